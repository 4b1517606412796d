"""What every part of the bench shares: the repository root, the bench's one user, a clock."""
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
USER = "bench-user-0001"
ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def now_ns():
    return time.perf_counter_ns()



def fake_ulid():
    return "01" + "".join(random.choice(ULID_ALPHABET) for _ in range(24))
