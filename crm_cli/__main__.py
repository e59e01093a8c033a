from crm_cli.cli.entry import main

main()
