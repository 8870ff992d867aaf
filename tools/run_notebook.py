#!/usr/bin/python3
"""Executes a notebook top to bottom on a Jupyter kernel and writes the executed copy.

    /usr/bin/python3 tools/run_notebook.py IN.ipynb OUT.ipynb [--timeout SECONDS]

It is nbclient's NotebookClient with one change. The Deno kernel can report a cell "idle"
before that cell's last display messages have been read from the IOPub channel; the stock client
stops listening at "idle" and the late outputs are lost. This client keeps reading the cell's
messages for a short grace period after "idle".

Errors in cells are recorded in the output notebook (allow_errors) so that the caller can report
every failing cell, not only the first. The exit status is 0 when the notebook ran to the end.
"""

import argparse
import asyncio
import queue
import sys
import time

import nbclient
import nbformat
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async


class GraceClient(nbclient.NotebookClient):
    """Keeps reading a cell's output messages for `grace` seconds after it goes idle."""

    grace = 0.5

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        idle = False
        while True:
            try:
                msg = await ensure_async(
                    self.kc.iopub_channel.get_msg(timeout=self.grace if idle else None)
                )
            except (queue.Empty, asyncio.TimeoutError):
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--kernel", default="deno")
    args = parser.parse_args()
    nb = nbformat.read(args.input, as_version=4)
    started = time.monotonic()
    client = GraceClient(
        nb,
        timeout=args.timeout,
        kernel_name=args.kernel,
        allow_errors=True,
        resources={"metadata": {"path": args.input.rsplit("/", 1)[0] if "/" in args.input else "."}},
    )
    client.execute()
    nb.metadata["executed_seconds"] = round(time.monotonic() - started, 2)
    nbformat.write(nb, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
