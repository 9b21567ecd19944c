#!/usr/bin/env python3
"""Fetches a published round's ranking from parindex over gRPC and prints it.

    examples/python/ranking.py --server 127.0.0.1:50051 --token pi_… --round hungyen-2023

Needs Debian's python3-grpcio and python3-protobuf, and the messages that `make build`
generates into build/python (or the directory in PARINDEX_PYTHON). Prints one line per
unit: block, rank, code, name, index (two decimals, exact), class. In the appraised
column (the default) a unit the office has not appraised has no rank and no index: its
line says "not appraised"; --column self ranks every unit on its own figures.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PARINDEX_PYTHON", os.path.join(HERE, "..", "..", "build", "python")))

import grpc  # noqa: E402
from parindex.v1 import service_pb2, service_pb2_grpc  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("PARINDEX_SERVER", "127.0.0.1:50051"))
    parser.add_argument("--token", default=os.environ.get("PARINDEX_TOKEN"), required=False)
    parser.add_argument("--round", required=True)
    parser.add_argument("--block", default="")
    parser.add_argument("--column", choices=["appraised", "self"], default="appraised")
    args = parser.parse_args()

    with grpc.insecure_channel(args.server) as channel:
        scores = service_pb2_grpc.ScoreServiceStub(channel)
        try:
            ranking = scores.GetRanking(
                service_pb2.GetRankingRequest(
                    name=f"rounds/{args.round}",
                    block=args.block,
                    column=args.column.upper(),
                ),
                metadata=[("authorization", f"Bearer {args.token}")],
                timeout=30,
            )
        except grpc.RpcError as error:
            print(f"ranking.py: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    for unit in ranking.units:
        if unit.not_appraised:
            print(f"{unit.block}\t-\t{unit.unit}\t{unit.unit_name}\tnot appraised\t")
            continue
        index = f"{unit.index_hundredths // 100}.{unit.index_hundredths % 100:02d}"
        print(f"{unit.block}\t{unit.rank}\t{unit.unit}\t{unit.unit_name}\t{index}\t{unit.classification}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
