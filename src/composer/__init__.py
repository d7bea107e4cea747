"""composer: the server half of a forum reply box.

Pasted or typed content in; safe HTML, a plain-text projection, and the notices the editor
shows (each with its undo) out. Everything public is importable from here::

    from composer import Pipeline, Submission
    result = Pipeline().run(Submission("<p>Hello</p>", format="html"))
"""

from composer.__about__ import __version__
from composer.allowlist import DEFAULT_ALLOWLIST, Allowlist
from composer.document import Document, Stage
from composer.drafts import Draft, DraftStore
from composer.embeds.cards import Card
from composer.errors import ComposerError, ConfigError, InputError, StageError
from composer.image_proxy import CamoProxy
from composer.inputs import Clipboard, Format, Submission
from composer.pipeline import Pipeline
from composer.policy import Policy
from composer.result import Action, Notice, Problem, Result
from composer.stages import default_stages
from composer.text_nodes import SKIPPED_TAGS, TextNode, splice, visible_text

__all__ = [
    "DEFAULT_ALLOWLIST",
    "SKIPPED_TAGS",
    "Action",
    "Allowlist",
    "CamoProxy",
    "Card",
    "Clipboard",
    "ComposerError",
    "ConfigError",
    "Document",
    "Draft",
    "DraftStore",
    "Format",
    "InputError",
    "Notice",
    "Pipeline",
    "Policy",
    "Problem",
    "Result",
    "Stage",
    "StageError",
    "Submission",
    "TextNode",
    "__version__",
    "default_stages",
    "splice",
    "visible_text",
]
