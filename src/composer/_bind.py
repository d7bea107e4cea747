"""Binding a chain to its policy, once, when a :class:`~composer.Pipeline` is built.

Three things are settled here so that no post pays for them and no module keeps them:

1. the notice catalogue: the built-in templates, each stage's ``messages`` and the policy's
   translations, merged into one ``code -> template`` table (a code two stages declare with
   different templates, or a translation for a code nobody declares, is a ConfigError);
2. the allowlist: the policy's, plus each stage's ``allows`` (what the sanitizer must keep for
   that stage's output), merged into the allowlist of the policy the documents carry;
3. the stages themselves: a stage with ``bind(policy)`` returns a copy prepared for the policy
   (the sanitizer builds its backend there); one with only ``check(policy)`` may refuse it;
4. the words: each stage's ``words`` (the ``@name``/``#tag`` words it reads in the text, by
   sigil) merged into one table (one sigil two stages read differently is a ConfigError),
   given to every stage with ``keep_words(words)`` (the parse stage: markdown keeps them as
   typed), which returns itself prepared for them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

from composer import _checks
from composer._html.markdown_words import is_word_pattern, sigil_problem
from composer.allowlist import Allowlist
from composer.document import Stage
from composer.errors import ComposerError, ConfigError
from composer.messages import MESSAGES, fields, template_error
from composer.policy import Policy

__all__ = ["bind_stages", "bound_policy", "catalogue", "declared_words", "keep_words"]

BUILT_IN = "the built-in catalogue"


def catalogue(chain: tuple[Stage, ...], policy: Policy) -> dict[str, str]:
    """Every notice code's template: built-ins, then the stages' ``messages``, then the
    policy's translations over both. Raises ConfigError naming the stages in a conflict."""
    templates: dict[str, str] = dict(MESSAGES)
    owner: dict[str, str] = dict.fromkeys(MESSAGES, BUILT_IN)
    for stage in chain:
        declared = getattr(stage, "messages", None)
        if declared is None:
            continue
        where = f"stage {stage.name!r}"
        if not isinstance(declared, Mapping):
            raise ConfigError(
                f"{where} declares messages as {_checks.got(declared)}; write "
                "messages={'my_code': 'Default English text with {fields}.'}"
            )
        for code, template in declared.items():
            if not isinstance(code, str) or not code or not isinstance(template, str):
                raise ConfigError(
                    f"{where} declares messages[{code!r}] = {template!r}; codes and templates are str"
                )
            try:
                names = fields(template)
            except ValueError as exc:
                raise ConfigError(
                    f"{where} declares messages[{code!r}], which is not a valid template: {exc}"
                ) from exc
            unnamed = [name for name in names if not name.isidentifier()]
            if unnamed:
                raise ConfigError(
                    f"{where} declares messages[{code!r}] = {template!r}, with the unnamed field "
                    f"{{{unnamed[0]}}}; notices fill fields by name: write e.g. {{count}}"
                )
            if code in templates and templates[code] != template:
                raise ConfigError(
                    f"{where} and {owner[code]} both declare the message code {code!r}, with different "
                    f"templates ({template!r} and {templates[code]!r}); give one of them another code"
                )
            templates.setdefault(code, template)
            owner.setdefault(code, where)
    for code, translation in policy.messages.items():
        if code not in templates:
            raise ConfigError(
                f"Policy.messages has the unknown code {code!r}{_checks.suggest(code, templates)}; "
                "the codes are listed in composer.messages.MESSAGES and in the stages' messages"
            )
        if code not in MESSAGES:  # built-in codes were checked when the Policy was built
            why = template_error(code, translation, fields(templates[code]))
            if why is not None:
                raise ConfigError(f"Policy.messages[{code!r}] {why} (declared by {owner[code]})")
        if translation:  # an empty translation keeps the default, as it always has
            templates[code] = translation
    return templates


def bound_policy(chain: tuple[Stage, ...], policy: Policy) -> Policy:
    """``policy`` with the stages' ``allows`` added to its allowlist (``policy`` itself when
    no stage declares any)."""
    merged = policy.allowlist
    for stage in chain:
        allows = getattr(stage, "allows", None)
        if allows is None:
            continue
        _check_allows(stage.name, allows, policy.allowlist)
        merged = merged.union(allows)
    return policy if merged is policy.allowlist else dataclasses.replace(policy, allowlist=merged)


def _check_allows(name: str, allows: object, base: Allowlist) -> None:
    where = f"stage {name!r}"
    if not isinstance(allows, Allowlist):
        raise ConfigError(
            f"{where} declares allows as {_checks.got(allows)}; write "
            "allows=Allowlist.of(tags=..., attributes=..., classes=...)"
        )
    extra = sorted(
        [f"url scheme {s!r}" for s in allows.url_schemes - base.url_schemes]
        + [f"iframe host {h!r}" for h in allows.iframe_hosts - base.iframe_hosts]
    )
    if extra:
        raise ConfigError(
            f"{where} allows {', '.join(extra)}; a stage may add tags, attributes and classes only "
            "(build its allows with Allowlist.of); URL schemes and iframe hosts belong to the Policy"
        )
    named = allows.tags | allows.attributes.keys() | allows.classes.keys()
    removed = sorted(named & base.clean_content_tags)
    if removed:
        raise ConfigError(
            f"{where} allows {removed}, which Policy.allowlist removes with their content; "
            "take them out of Policy.allowlist.clean_content_tags or out of the stage's allows"
        )
    handlers = sorted(n for names in allows.attributes.values() for n in names if n.lower().startswith("on"))
    if handlers:
        raise ConfigError(f"{where} allows the event handlers {handlers}; scripts are never kept")


def bind_stages(chain: tuple[Stage, ...], policy: Policy) -> tuple[Stage, ...]:
    """Each stage prepared for ``policy`` (its ``bind``) or allowed to refuse it (its ``check``).

    An error a hook raises becomes a ConfigError naming the stage.
    """
    bound: list[Stage] = []
    for stage in chain:
        hook: Callable[[Policy], object] | None = getattr(stage, "bind", None)
        if not callable(hook):
            hook = getattr(stage, "check", None)
            if not callable(hook):
                bound.append(stage)
                continue
        made = _call(stage.name, hook, policy)
        if made is None:  # a check, or a bind that needs nothing: the stage as it is
            bound.append(stage)
            continue
        if getattr(made, "name", None) != stage.name or not callable(made):
            raise ConfigError(
                f"stage {stage.name!r}: bind(policy) returned {_checks.got(made)}; it must return "
                "the stage prepared for the policy (same name), or None"
            )
        bound.append(made)  # type: ignore[arg-type]  # checked above: a named callable
    return tuple(bound)


def _call(name: str, hook: Callable[[Policy], object], policy: Policy) -> object:
    try:
        return hook(policy)
    except ComposerError:
        raise
    except BaseException as exc:
        if not is_error(exc):
            raise
        raise ConfigError(
            f"stage {name!r} cannot work with this policy: {type(exc).__name__}: {exc}"
        ) from exc


def is_error(exc: BaseException) -> bool:
    """An error to report, not KeyboardInterrupt and the like; a Rust panic inside nh3
    (pyo3's ``PanicException``) derives from BaseException but is an error all the same."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


#: (sigil, pattern of a word at it) pairs, sorted by sigil: what a chain's stages read
Words = tuple[tuple[str, re.Pattern[str]], ...]

_WORDS_EXAMPLE = "words={'@': re.compile(r'@(\\w+)')}"


def declared_words(chain: tuple[Stage, ...]) -> Words:
    """Every word the stages of ``chain`` declare they read (their ``words``), by sigil.
    Raises ConfigError naming the stage for a malformed declaration, and both stages when
    two read one sigil with different patterns."""
    found: dict[str, re.Pattern[str]] = {}
    owner: dict[str, str] = {}
    for stage in chain:
        declared = getattr(stage, "words", None)
        if declared is None:
            continue
        where = f"stage {stage.name!r}"
        if not isinstance(declared, Mapping):
            raise ConfigError(f"{where} declares words as {_checks.got(declared)}; write {_WORDS_EXAMPLE}")
        for sigil, pattern in declared.items():
            problem = sigil_problem(sigil)
            if problem is not None:
                raise ConfigError(f"{where} declares words[{sigil!r}]; {problem}")
            if not is_word_pattern(pattern):
                raise ConfigError(
                    f"{where} declares words[{sigil!r}] = {_checks.got(pattern)}; the pattern of a "
                    f"word is a compiled str regex matching at its sigil: {_WORDS_EXAMPLE}"
                )
            if sigil in found and found[sigil] != pattern:
                raise ConfigError(
                    f"{where} and {owner[sigil]} both read words after {sigil!r}, with different "
                    "patterns; one chain reads one grammar per sigil: give both stages the same pattern"
                )
            found.setdefault(sigil, pattern)
            owner.setdefault(sigil, where)
    return tuple(sorted(found.items()))


def keep_words(chain: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """Each stage with ``keep_words(words)`` replaced by what it returns for the chain's
    words (every time: a derived pipeline's chain may read others, or none)."""
    words = declared_words(chain)
    kept: list[Stage] = []
    for stage in chain:
        keep: Callable[[Words], object] | None = getattr(stage, "keep_words", None)
        if not callable(keep):
            kept.append(stage)
            continue
        try:
            made = keep(words)
        except ComposerError:
            raise
        except Exception as exc:
            raise ConfigError(
                f"stage {stage.name!r} cannot keep the words {[s for s, _ in words]}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if getattr(made, "name", None) != stage.name or not callable(made):
            raise ConfigError(
                f"stage {stage.name!r}: keep_words(words) returned {_checks.got(made)}; it must "
                "return the stage prepared for the words (same name)"
            )
        kept.append(made)  # type: ignore[arg-type]  # checked above: a named callable
    return tuple(kept)
