from postdesk.cli import main

main()
