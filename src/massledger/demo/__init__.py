"""`massledger demo`: a complete, realistic story in one command (docs/cli.md)."""
