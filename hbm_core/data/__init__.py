"""Data in: grouped data and synthetic groups, the built-in data sets, the CSV loader."""
