"""The Merkle tree against RFC 9162 section 2.1, written out here as the RFC states it."""

from __future__ import annotations

import hashlib

import pytest

from audit.merkle import (
    EMPTY_ROOT,
    Accumulator,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The leaves and roots used by Certificate Transparency's own test suite.
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def rfc_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + data[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + rfc_mth(data[:k]) + rfc_mth(data[k:]))


def rfc_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*rfc_path(m, data[:k]), rfc_mth(data[k:])]
    return [*rfc_path(m - k, data[k:]), rfc_mth(data[:k])]


def rfc_subproof(m: int, data: list[bytes], complete: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if complete else [rfc_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*rfc_subproof(m, data[:k], complete), rfc_mth(data[k:])]
    return [*rfc_subproof(m - k, data[k:], False), rfc_mth(data[:k])]


def data_of(n: int) -> list[bytes]:
    return [f"event {i}".encode() for i in range(n)]


def test_roots_match_certificate_transparency_vectors() -> None:
    for size, expected in enumerate(CT_ROOTS, start=1):
        assert root([leaf_hash(d) for d in CT_LEAVES[:size]]).hex() == expected


def test_empty_tree_root_is_hash_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT == sha(b"")
    assert Accumulator().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    # A node can never pass for a leaf: the 0x00/0x01 prefixes differ.
    pair = [leaf_hash(b"a"), leaf_hash(b"b")]
    assert root(pair) != leaf_hash(pair[0] + pair[1])


@pytest.mark.parametrize("size", range(1, 40))
def test_root_and_accumulator_match_rfc_definition(size: int) -> None:
    data = data_of(size)
    leaves = [leaf_hash(d) for d in data]
    accumulator = Accumulator()
    accumulator.extend(leaves)
    assert root(leaves) == rfc_mth(data) == accumulator.root()


def test_accumulator_gives_the_root_after_every_leaf() -> None:
    data = data_of(70)
    accumulator = Accumulator()
    for i, d in enumerate(data, start=1):
        accumulator.append(leaf_hash(d))
        assert accumulator.size == i
        assert accumulator.root() == rfc_mth(data[:i])


@pytest.mark.parametrize("size", range(1, 18))
def test_inclusion_proofs_for_every_leaf(size: int) -> None:
    data = data_of(size)
    leaves = [leaf_hash(d) for d in data]
    tree_root = root(leaves)
    for index in range(size):
        proof = inclusion_proof(leaves, index)
        assert proof == rfc_path(index, data)
        verify_inclusion(leaves[index], index, size, proof, tree_root)
        with pytest.raises(ProofError):  # another leaf is not included at this index
            verify_inclusion(leaf_hash(b"forged"), index, size, proof, tree_root)
        if proof:
            with pytest.raises(ProofError):
                verify_inclusion(leaves[index], index, size, proof[:-1], tree_root)
            with pytest.raises(ProofError):
                verify_inclusion(leaves[index], index, size, [*proof, proof[0]], tree_root)


def test_inclusion_refuses_index_outside_tree() -> None:
    leaves = [leaf_hash(d) for d in data_of(4)]
    with pytest.raises(ProofError):
        inclusion_proof(leaves, 4)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[0], 4, 4, [], root(leaves))


@pytest.mark.parametrize("new_size", range(1, 18))
def test_consistency_for_every_pair_of_sizes(new_size: int) -> None:
    data = data_of(new_size)
    leaves = [leaf_hash(d) for d in data]
    new_root = root(leaves)
    for old_size in range(0, new_size + 1):
        old_root = root(leaves[:old_size])
        proof = consistency_proof(leaves, old_size)
        if 0 < old_size < new_size:
            assert proof == rfc_subproof(old_size, data, True)
        else:
            assert proof == []
        verify_consistency(old_size, new_size, old_root, new_root, proof)


@pytest.mark.parametrize("new_size", range(2, 14))
def test_consistency_refuses_a_rewritten_history(new_size: int) -> None:
    data = data_of(new_size)
    leaves = [leaf_hash(d) for d in data]
    new_root = root(leaves)
    for old_size in range(1, new_size):
        # The old tree had different content at its last position: a rewrite.
        rewritten = [*leaves[: old_size - 1], leaf_hash(b"rewritten")]
        proof = consistency_proof(leaves, old_size)
        with pytest.raises(ProofError):
            verify_consistency(old_size, new_size, root(rewritten), new_root, proof)
        with pytest.raises(ProofError):  # nor can a proof be cut short or padded
            verify_consistency(old_size, new_size, root(leaves[:old_size]), new_root, proof[1:])
        with pytest.raises(ProofError):
            padded = [*proof, new_root]
            verify_consistency(old_size, new_size, root(leaves[:old_size]), new_root, padded)


def test_consistency_edge_cases() -> None:
    leaves = [leaf_hash(d) for d in data_of(5)]
    with pytest.raises(ProofError):
        consistency_proof(leaves, 6)
    with pytest.raises(ProofError):
        verify_consistency(6, 5, root(leaves), root(leaves), [])
    with pytest.raises(ProofError):  # same size, different roots
        verify_consistency(5, 5, root(leaves), root(leaves[:4]), [])
    with pytest.raises(ProofError):  # the empty tree's root is fixed
        verify_consistency(0, 5, root(leaves[:1]), root(leaves), [])
