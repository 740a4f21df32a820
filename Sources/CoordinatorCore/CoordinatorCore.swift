// CoordinatorCore: filled by its issue.
