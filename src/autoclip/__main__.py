from autoclip.cli import main

main()
