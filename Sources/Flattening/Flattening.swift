// Flattening: filled by its issue.
