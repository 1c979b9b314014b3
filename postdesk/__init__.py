"""The composition root: the `postdesk` command that wires core, mailgateway and webadmin."""
