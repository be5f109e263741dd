"""The fake Slack Web API, requests signed as Slack signs them, and the Slack test world."""
