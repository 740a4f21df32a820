// ImageArchive: filled by its issue.
