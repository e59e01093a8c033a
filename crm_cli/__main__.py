from crm_cli.cli.app import main

main()
