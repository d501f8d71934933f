"""Views of the program app, one module per feature."""
