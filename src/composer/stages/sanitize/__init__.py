"""Stage ``sanitize``: the allowlist, always last. nh3 by default, bleach as an option.

``stage`` holds the stage; ``backends`` the two sanitizers, built once per policy;
``removed`` the count of what a reader would miss, for the ``content_removed`` notice.
"""

from composer.stages.sanitize.backends import url_scheme
from composer.stages.sanitize.removed import MISSED_TAGS
from composer.stages.sanitize.stage import Sanitize

__all__ = ["MISSED_TAGS", "Sanitize", "url_scheme"]
