from massledger.cli.main import app

app()
