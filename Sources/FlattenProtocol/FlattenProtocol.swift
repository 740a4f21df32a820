// FlattenProtocol: filled by its issue.
