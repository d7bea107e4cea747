/*
 * The notices region: what the server said, grouped by where it came from, drawn into one
 * polite live region.
 *
 * Groups: "restore" (the restored draft), "paste" (the last paste), "render" (the last
 * preview) and "failed" (requests that did not get through, by operation). Problems come first,
 * then notices. Each item is keyed by group, kind, code, target and message; a redraw touches
 * only the items that came or went, so a notice that stays is never announced twice. A notice
 * closed with its x stays closed while it keeps coming back unchanged.
 */

const GROUPS = ["restore", "paste", "render", "failed"];

/** The problems and notices of a Result.to_dict(), as items of ``group``. */
export function itemsOf(result, group) {
  const problems = result.problems.map((p) => ({ kind: "problem", code: p.code, message: p.message }));
  const notices = result.notices.map((n) => ({ kind: "notice", code: n.code, message: n.message, action: n.action }));
  return [...problems, ...notices].map((item) => ({ action: null, ...item, group }));
}

function keyOf(item) {
  const target = item.action && item.action.target ? item.action.target : "";
  return [item.group, item.operation || "", item.kind, item.code, target, item.message].join("\u0000");
}

export class NoticeBoard {
  /**
   * ``box``: the live region. ``actions``: action code -> function(target), the undo buttons
   * (an action the page does not know gets no button). ``afterDismiss``: called when a notice
   * is closed (to give the focus back to the editor).
   */
  constructor(box, actions, afterDismiss) {
    this.box = box;
    this.actions = actions;
    this.afterDismiss = afterDismiss;
    this.dismissed = new Set();
    this.groups = {};
    this.clear();
  }

  clear() {
    for (const group of GROUPS) this.groups[group] = [];
    this.draw();
  }

  /** Replace what ``group`` says. */
  set(group, items) {
    this.groups[group] = items.map((item) => ({ ...item, group }));
    this.draw();
  }

  /** A request for ``operation`` failed with ``message``, or (message null) went through. */
  failed(operation, message) {
    const others = this.groups.failed.filter((item) => item.operation !== operation);
    if (message) {
      others.push({ kind: "problem", code: "request_failed", message, action: null, operation, group: "failed" });
    }
    this.groups.failed = others;
    this.draw();
  }

  /** Redraw the live region, touching only the items that came or went. */
  draw() {
    const all = GROUPS.flatMap((group) => this.groups[group]);
    const ordered = [...all.filter((i) => i.kind === "problem"), ...all.filter((i) => i.kind !== "problem")];
    const wanted = new Map();
    for (const item of ordered) {
      const key = keyOf(item);
      if (!wanted.has(key)) wanted.set(key, item);
    }
    for (const key of Array.from(this.dismissed)) {
      if (!wanted.has(key)) this.dismissed.delete(key); // gone, so it may come back later
    }
    const shown = new Map(Array.from(this.box.children).map((el) => [el.dataset.key, el]));
    let previous = null;
    for (const [key, item] of wanted) {
      if (this.dismissed.has(key)) continue;
      const element = shown.get(key) || this.build(item, key);
      shown.delete(key);
      const expected = previous ? previous.nextSibling : this.box.firstChild;
      if (element !== expected) this.box.insertBefore(element, expected);
      previous = element;
    }
    for (const element of shown.values()) element.remove();
  }

  /** One notice as the seed forum shows it: x, message, undo button. */
  build(item, key) {
    const box = document.createElement("div");
    box.className = "notice notice-" + item.kind;
    box.dataset.code = item.code;
    box.dataset.key = key;
    if (item.kind === "notice") box.append(this.dismissButton(item, key));
    const message = document.createElement("span");
    message.className = "message";
    message.textContent = item.message;
    box.append(message);
    const run = item.action && this.actions[item.action.code];
    if (run) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "action";
      button.dataset.action = item.action.code;
      if (item.action.target) button.dataset.target = item.action.target;
      button.textContent = item.action.label;
      button.addEventListener("click", () => {
        Promise.resolve()
          .then(() => run(item.action.target))
          .catch((error) => this.failed("action", error.message));
      });
      box.append(button);
    }
    return box;
  }

  dismissButton(item, key) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "dismiss";
    button.setAttribute("aria-label", "Dismiss: " + item.message);
    const cross = document.createElement("span");
    cross.setAttribute("aria-hidden", "true"); // the live region reads the message, not "times"
    cross.textContent = "\u00d7";
    button.append(cross);
    button.addEventListener("click", () => {
      this.dismissed.add(key);
      this.draw();
      this.afterDismiss();
    });
    return button;
  }
}
