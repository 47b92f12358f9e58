"""Entry point of a query worker process:
``python -m inburgering.service.worker_main STORE FD sandbox|no-sandbox COPY_QUADS``."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from inburgering.service.worker import worker_main

if __name__ == "__main__":
    worker_main(sys.argv[1], Connection(int(sys.argv[2])), sandbox=sys.argv[3] != "no-sandbox",
                copy_quads=int(sys.argv[4]))
