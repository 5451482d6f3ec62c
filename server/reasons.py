"""The reasons the live server gives when it refuses or closes a connection: at most 123
bytes of UTF-8 (a close frame's limit), Indonesian / English."""

from __future__ import annotations

TOO_MANY_EDITS = "terlalu banyak suntingan; pelan-pelan / too many edits; slow down"
TOO_COSTLY = ("pembaruan terlalu berat: lebih dari {0} struktur Yjs / "
              "update too costly: over {0} Yjs structs")
TOO_MANY_CONNECTIONS = ("terlalu banyak koneksi terbuka (maks. {0}) / "
                        "too many open connections for one person (max {0})")
TOO_LARGE = ("suntingan lebih dari {0} bita / edit over the {0}-byte limit")
PRESENCE_TOO_BIG = ("status kehadiran lebih dari {0} bita / "
                    "presence message over the {0}-byte limit")
SOMEONE_ELSE = ("di peramban ini sudah masuk orang lain / "
                "someone else has signed in in this browser")
PRESENCE_FLOOD = "terlalu banyak pesan kehadiran / too many presence messages"
TOO_SLOW = "terlalu lambat; menyambung ulang / too slow to keep up; reconnect to resync"
