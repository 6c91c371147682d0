from inboxready.cli.main import run

run()
