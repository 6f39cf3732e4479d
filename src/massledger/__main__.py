from massledger.cli.main import main

main()
