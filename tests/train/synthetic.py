"""A synthetic task with a known answer: reverse a short string of letters."""

import random


def reversal_pairs(count, seed, alphabet="abcdefgh", lengths=(2, 7), exclude=()):
    rng = random.Random(seed)
    excluded, pairs = set(exclude), []
    while len(pairs) < count:
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(*lengths)))
        if text not in excluded:
            pairs.append((text, text[::-1]))
    return pairs


def write_pairs(path, pairs):
    path.write_text("".join(f"{a}\t{b}\n" for a, b in pairs), encoding="utf-8")
    return path
