"""The private toolkit below the model: markup scans, the tree, text projection, the URL grammar,
HTML to markdown source (``markdown``, ``markdown_marks``).

Nothing here imports the model (``Document``, ``Policy``, ``Result``) or a stage; the layers are
checked by import-linter (``make lint``).
"""
