"""The image-labeling workbench: Panel app (``panel serve workbench``) and ``workbench`` CLI.

This file stays free of imports: ``panel serve workbench`` executes it as the app package.
"""

__version__ = "0.1.0"
