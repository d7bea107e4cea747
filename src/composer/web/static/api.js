/*
 * Talking to the composer service: JSON in, JSON out.
 *
 * A reply is {status, ok, data}. Successful answers carry Result.to_dict(); a refused request
 * carries {ok: false, status, problems: [{code, message, params}]} (docs/integration.md).
 * Only a network failure throws (RequestFailed): every HTTP answer is a reply.
 */

export class RequestFailed extends Error {}

/** ``method`` ``url`` with ``body`` (any JSON value, or undefined for none). */
export async function api(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new RequestFailed("The server could not be reached; your text is still here.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null; // 204, or a body that is not JSON
  }
  return { status: response.status, ok: response.ok, data };
}

/**
 * What to tell the person about a refused request: the service's ``message`` (a forum user's
 * words; its ``detail`` is for developers), or, from something else on the way (a proxy's
 * error page), a plain sentence.
 */
export function failureMessage(reply) {
  const data = reply.data || {};
  const problems = Array.isArray(data.problems) ? data.problems : [];
  const message = problems[0] && problems[0].message;
  if (message) return String(message);
  return "The server could not answer (error " + reply.status + "). Your text is still here; try again in a moment.";
}

/** Fire-and-forget for a page that is going away (keepalive outlives the page). */
export function sendBeforeLeaving(method, url, body) {
  const init = { method, keepalive: true };
  if (body !== undefined) {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  fetch(url, init).catch(() => {});
}
