"""Content rules: the linter, its vocabularies and the snowshoe detector."""
