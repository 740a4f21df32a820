// AgentCore: filled by its issue.
