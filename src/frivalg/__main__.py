from frivalg.cli import main

main()
