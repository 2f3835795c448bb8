"""docs/design.md section 3 written out as expectations: operation x actor x lock x mode.

Actors: the session's owner (alice), a member who is not the owner (bob), a non-member
(carol), an admin who is not a member (root), and a former owner (erin): the owner of the
session who is no longer a member of its workspace, and so has no right there.  Lock: none,
held by the actor, held by someone else (dave, a member).  Each cell is "ok" or the error
code the store must raise.  `restore` is asked of a session in the trash, every other
operation of a live one.
"""

from __future__ import annotations

ACTORS = ("owner", "member", "non_member", "admin", "former_owner")
ACTOR_NAMES = {"owner": "alice", "member": "bob", "non_member": "carol", "admin": "root",
               "former_owner": "erin"}
MEMBERS = ("owner", "member")
LOCKS = ("none", "actor", "other")
MODES = ("standalone", "xray")
OTHER_HOLDER = "dave"

OK, PD, LOCKED, CONFLICT = "ok", "permission_denied", "locked", "conflict"

_ALL_OK = (OK, OK, OK)
_NO = (PD, PD, PD)
_OWNER_UNLESS_LOCKED = {"owner": (OK, OK, LOCKED), "member": _NO, "non_member": _NO,
                        "admin": _NO, "former_owner": _NO}
_OWNER_ANY_LOCK = {"owner": _ALL_OK, "member": _NO, "non_member": _NO, "admin": _NO,
                   "former_owner": _NO}
_SEE = {"owner": _ALL_OK, "member": _ALL_OK, "non_member": _NO, "admin": _ALL_OK,
        "former_owner": _NO}

# (lock none, lock held by the actor, lock held by another) per actor
TABLE: dict[str, dict[str, tuple[str, str, str]]] = {
    "show": _SEE,
    "history": _SEE,
    "open": {"owner": (OK, OK, LOCKED), "member": (OK, OK, LOCKED), "non_member": _NO,
             "admin": _NO, "former_owner": _NO},
    "close": {"owner": (OK, OK, LOCKED), "member": (OK, OK, LOCKED), "non_member": _NO,
              "admin": _NO, "former_owner": _NO},
    # a lock is worth something only to a member: a holder removed from the workspace is refused
    "save": {actor: (PD, OK, LOCKED) if actor in MEMBERS else _NO for actor in ACTORS},
    "duplicate": _OWNER_ANY_LOCK,
    "download": _OWNER_ANY_LOCK,
    "rename": _OWNER_UNLESS_LOCKED,
    "unlock": {"owner": (PD, OK, PD), "member": (PD, OK, PD), "non_member": _NO,
               "admin": _ALL_OK, "former_owner": _NO},
    "delete": {"owner": (OK, OK, LOCKED), "member": _NO, "non_member": _NO,
               "admin": (OK, OK, LOCKED), "former_owner": _NO},
    "move": _OWNER_UNLESS_LOCKED,
    "revert": _OWNER_UNLESS_LOCKED,
    "restore": {"owner": _ALL_OK, "member": _NO, "non_member": _NO, "admin": _ALL_OK,
                "former_owner": _NO},
    "connect": _OWNER_UNLESS_LOCKED,
    "disconnect": _OWNER_UNLESS_LOCKED,
    "archive": {"owner": (OK, LOCKED, LOCKED), "member": (OK, LOCKED, LOCKED),
                "non_member": _NO, "admin": (OK, LOCKED, LOCKED), "former_owner": _NO},
    # handing a session to another member: admins only, whoever holds the lock
    # Retry sync: the owner or an admin, whoever holds the lock
    "sync": {"owner": _ALL_OK, "member": _NO, "non_member": _NO, "admin": _ALL_OK,
             "former_owner": _NO},
    "reassign": {"owner": _NO, "member": _NO, "non_member": _NO, "admin": _ALL_OK,
                 "former_owner": _NO},
}

# the mode column: connect wants a standalone session, disconnect an xray one
WRONG_MODE = {"connect": "xray", "disconnect": "standalone"}


def owner_for(actor: str) -> str:
    """The owner of the session a cell is asked about: the former owner owns their own."""
    return ACTOR_NAMES[actor] if actor == "former_owner" else ACTOR_NAMES["owner"]


def expected(operation: str, actor: str, lock: str, mode: str) -> str:
    """What the table says for one cell."""
    cell = TABLE[operation][actor][LOCKS.index(lock)]
    if cell != PD and WRONG_MODE.get(operation) == mode:
        return CONFLICT
    return cell


def cases() -> list[tuple[str, str, str, str]]:
    """Every cell of the table."""
    return [(op, actor, lock, mode) for op in TABLE for actor in ACTORS for lock in LOCKS
            for mode in MODES]
