"""``python -m physym`` runs the command line."""
from physym.cli import main

main()
