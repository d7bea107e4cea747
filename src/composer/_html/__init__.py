"""The private toolkit below the model: markup scans, the tree, text projection, the URL grammar.

Nothing here imports the model (``Document``, ``Policy``, ``Result``) or a stage; the layers are
checked by import-linter (``make lint``).
"""
