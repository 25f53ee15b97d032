"""Image download throughput: 400 distinct images from a loopback server answering each after 50 ms.

    python benchmarks/images.py [--images 400] [--delay 0.05] [--jobs 8]

Prints the wall time beside the ideal (images x delay / jobs), their ratio (target:
at most 1.3 at the default parallelism), and how many TCP connections the server
saw (pooled: about `jobs`, not one per image). Then a re-run, which must make no
request. The server runs in its own process so that its threads do not compete
with the downloader's for the interpreter lock, and with TCP_NODELAY like any
production server: `--nagle` uses the plain test server, whose kept-alive answers
each wait ~40 ms for a delayed ACK (a property of that server, not of the client).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.loopback import LoopbackServer, Reply, Request, fake_png  # noqa: E402
from wx2post.images import ImageSettings  # noqa: E402
from wx2post.models import ImageRef  # noqa: E402
from wx2post.sources import PageSource  # noqa: E402
from wx2post.store import ImageStore  # noqa: E402


def serve(delay: float, pipe: Connection) -> None:
    """Server process: answer every path with a distinct PNG after `delay`; report on request."""

    def image(req: Request) -> Reply:
        return Reply(200, fake_png(hash(req.path) & 0xFFFF, 8192), {"Content-Type": "image/png"}, delay=delay)

    with LoopbackServer() as server:
        server.default = image
        pipe.send(server.port)
        while pipe.recv() == "stats":
            pipe.send((len(server.requests), server.connections))


def main() -> None:
    defaults = ImageSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--jobs", type=int, default=defaults.jobs)
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(args.delay, theirs), daemon=True)
    process.start()
    port = ours.recv()
    refs = [ImageRef(f"http://127.0.0.1:{port}/img/{i}.png") for i in range(args.images)]
    page = PageSource(html="", origin="benchmark")
    settings = ImageSettings(jobs=args.jobs, allow_private=True)

    with tempfile.TemporaryDirectory() as site:
        with ImageStore(Path(site), settings) as store:
            start = time.perf_counter()
            outcomes = store.localise(refs, page)
            wall = time.perf_counter() - start
        ours.send("stats")
        requests_made, connections = ours.recv()
        with ImageStore(Path(site), settings) as store:
            start = time.perf_counter()
            rerun = store.localise(refs, page)
            rerun_wall = time.perf_counter() - start
        ours.send("stats")
        requests_after, _ = ours.recv()
    ours.send("stop")
    process.join(timeout=5)

    ideal = args.images * args.delay / args.jobs
    failed = sum(o.source != "network" for o in outcomes)
    print(f"images          {args.images} distinct, {args.delay * 1000:.0f} ms each, jobs {args.jobs}")
    print(f"wall time       {wall:.3f} s")
    print(f"ideal           {ideal:.3f} s  ({args.images} x {args.delay} s / {args.jobs})")
    print(f"ratio           {wall / ideal:.2f}  (target <= 1.30)")
    print(f"requests        {requests_made}  (failed: {failed})")
    print(f"TCP connections {connections}")
    print(f"re-run          {rerun_wall:.3f} s, {requests_after - requests_made} requests, "
          f"{sum(o.source == 'cache' for o in rerun)} from the image folder")  # fmt: skip


if __name__ == "__main__":
    main()
