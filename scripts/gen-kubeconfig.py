#!/usr/bin/env python3
"""Writes a realistic large kubeconfig for benchmarks: N contexts, each with its own cluster
(server URL, certificate-authority-data) and its own user (client-certificate-data,
client-key-data), a namespace, and current-context set. Laid out as `kubectl config view --raw`
writes files, entries in shuffled name order so readers must sort.

Sizes are those of a kubeadm `admin.conf` (RSA-2048 everywhere): the CA certificate is about
790 bytes of DER, the client certificate about 830, the PKCS#1 private key about 1,190; each is
PEM-wrapped (64 columns) and then base64-encoded once more, as kubeconfigs embed them. The DER
bytes are random (seeded, so the same N gives the same file), not real keys: readers only
check that the base64 decodes.

Python rather than a Rust binary: the benchmark is a shell script that runs on a machine with
Python 3 anyway, and the generator then needs no build and adds nothing to the workspace.

Usage: gen-kubeconfig.py N OUTPUT [--seed S]
"""

import argparse
import base64
import random


def pem_blob(rng: random.Random, label: str, der_size: int) -> str:
    der = rng.randbytes(der_size + rng.randrange(-8, 9))
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"
    return base64.b64encode(pem.encode()).decode()


def write(count: int, path: str, seed: int) -> None:
    rng = random.Random(seed)
    teams = ["payments", "search", "edge", "data", "ml", "web", "infra", "auth"]
    regions = ["eu-west-1", "us-east-2", "ap-southeast-1", "cn-north-1"]
    order = list(range(count))
    rng.shuffle(order)

    def names(i: int) -> tuple[str, str, str]:
        team = teams[i % len(teams)]
        region = regions[(i // len(teams)) % len(regions)]
        cluster = f"{team}-{region}-{i:06d}"
        return f"{cluster}-admin@{cluster}", cluster, f"{cluster}-admin"

    with open(path, "w", encoding="utf-8") as out:
        out.write("apiVersion: v1\nclusters:\n")
        for i in order:
            _, cluster, _ = names(i)
            out.write(
                "- cluster:\n"
                f"    certificate-authority-data: {pem_blob(rng, 'CERTIFICATE', 790)}\n"
                f"    server: https://10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:6443\n"
                f"  name: {cluster}\n"
            )
        out.write("contexts:\n")
        for i in order:
            context, cluster, user = names(i)
            out.write(
                "- context:\n"
                f"    cluster: {cluster}\n"
                f"    namespace: {teams[i % len(teams)]}-{i % 97:02d}\n"
                f"    user: {user}\n"
                f"  name: {context}\n"
            )
        out.write(f"current-context: {names(count // 2)[0]}\n")
        out.write("kind: Config\npreferences: {}\nusers:\n")
        for i in order:
            _, _, user = names(i)
            out.write(
                f"- name: {user}\n"
                "  user:\n"
                f"    client-certificate-data: {pem_blob(rng, 'CERTIFICATE', 830)}\n"
                f"    client-key-data: {pem_blob(rng, 'RSA PRIVATE KEY', 1192)}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of contexts (and clusters and users)")
    parser.add_argument("output", help="file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    write(args.count, args.output, args.seed)


if __name__ == "__main__":
    main()
