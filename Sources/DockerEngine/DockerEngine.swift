// DockerEngine: filled by its issue.
