"""Stage ``images``: pasted images refused wherever they hide; remote images by policy.

``stage`` holds the stage; ``urls`` the address readers and source scans.
"""

from composer.stages.images.stage import Images

__all__ = ["Images"]
