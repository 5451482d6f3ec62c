"""What the demo plan holds: organisations, people, working groups and four commitments.

The commitments are written for this demo from public facts about real OGP commitments
(ID0121, ID0127 with UK0063, ID0148, ID0141); they are summaries in our own
words, not the official texts.
"""

from __future__ import annotations

from typing import Any

PLAN_ID = "ran-ogi-vii"
PLAN_TITLE = "RAN OGI VII 2023-2024"
PLAN_PERIOD = "2023-2024"  # filed with OGP as Indonesia's 2022-2024 action plan

ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    # id, name, stakeholder type
    ("sekretariat-ogi", "Sekretariat Open Government Indonesia", "secretariat"),
    ("tii", "Transparency International Indonesia", "cso"),
    ("infid", "INFID", "cso"),
    ("ijrs", "Indonesia Judicial Research Society (IJRS)", "cso"),
    ("suarise", "Suarise", "cso"),
    ("kemensos", "Kementerian Sosial", "kldi"),
    ("bappenas", "Kementerian PPN/Bappenas", "kldi"),
    ("kemenkumham", "Kementerian Hukum dan HAM", "kldi"),
    ("ppatk", "PPATK", "kldi"),
    ("kemenpppa", "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak", "kldi"),
    ("lpsk", "Lembaga Perlindungan Saksi dan Korban (LPSK)", "kldi"),
    ("kominfo", "Kementerian Komunikasi dan Informatika", "kldi"),
    ("warga", "Warga (publik)", "public"),
    ("irm", "OGP Independent Reporting Mechanism", "auditor"),
)

PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    # id, name, organisation id, role shown with the sign-in link
    ("sari", "Sari Wulandari", "sekretariat-ogi", "secretariat"),
    ("ayu", "Ayu Lestari", "tii", "cso"),
    ("rahmat", "Rahmat Hidayat", "infid", "cso (civic space group)"),
    ("nadia", "Nadia Putri", "suarise", "cso (civic space group) 2"),
    ("bambang", "Bambang Sutrisno", "kemensos", "kldi"),
    ("dewi", "Dewi Kartika", "bappenas", "kldi (Bappenas)"),
    ("andi", "Andi Pratama", "warga", "public"),
    ("maria", "Maria Santoso", "irm", "auditor"),
)

WORKING_GROUPS: tuple[dict[str, Any], ...] = (
    {"id": "data-terbuka", "theme": "Data terbuka / Open data",
     "description": "Keterbukaan data pemerintah untuk pelayanan dan pengawasan publik.",
     "members": [("tii", {"focus": "Advokasi keterbukaan data anggaran dan bansos",
                          "research": "Kajian penyaluran bansos 2021"}),
                 ("kemensos", {"focus": "Pengelola Data Terpadu Kesejahteraan Sosial"}),
                 ("bappenas", {"plans": "Satu Data Indonesia", "experts": "Tim Satu Data"})]},
    {"id": "antikorupsi", "theme": "Antikorupsi / Anti-corruption",
     "description": "Pencegahan korupsi, termasuk transparansi pemilik manfaat.",
     "members": [("tii", {"focus": "Antikorupsi", "research": "Indeks Persepsi Korupsi"}),
                 ("kemenkumham", {"focus": "Registri pemilik manfaat korporasi"}),
                 ("ppatk", {"experts": "Analis pencucian uang"})]},
    {"id": "ruang-sipil", "theme": "Ruang sipil dan inklusi / Civic space and inclusion",
     "description": "Perlindungan korban, akses keadilan dan inklusi penyandang disabilitas.",
     "members": [("infid", {"focus": "Hak asasi dan pembangunan inklusif"}),
                 ("ijrs", {"research": "Riset akses keadilan korban kekerasan seksual"}),
                 ("suarise", {"focus": "Aksesibilitas digital",
                              "experts": "Penguji aksesibilitas tunanetra"}),
                 ("kemenpppa", {"focus": "Perlindungan perempuan dan anak"}),
                 ("lpsk", {"focus": "Perlindungan saksi dan korban"}),
                 ("kominfo", {"plans": "Standar layanan digital pemerintah"})]},
)

FORUM: tuple[str, ...] = ("ayu", "rahmat", "bambang", "dewi")
"""The multi-stakeholder forum: person ids, from civil society and government."""

GATES: dict[str, list[str]] = {"draft3": ["lead_agency"], "draft4": ["forum"]}
"""Before Draft 4 each lead agency signs off its commitment; before Final the forum approves."""

COMMITMENTS: tuple[dict[str, Any], ...] = (
    {
        "id": "c1", "number": "1", "group": "data-terbuka", "author": "ayu",
        "leads": ["kemensos"],
        "title": "Data kesejahteraan sosial yang lebih transparan",
        "meta": {"start_date": "2023-01-01", "end_date": "2024-06-30",
                 "lead_agency": "Kementerian Sosial", "policy_area": "Bantuan sosial",
                 "ogp_values": ["transparency", "accountability"], "based_on": "ID0121"},
        "sections": {
            "lead_agency": ["Kementerian Sosial (Pusat Data dan Informasi), didukung "
                            "Kementerian PPN/Bappenas."],
            "problem": ["Penerima bantuan sosial ditentukan dari data kesejahteraan yang "
                        "jarang diperbarui dan sulit diperiksa warga. Akibatnya ada warga "
                        "miskin yang terlewat dan penerima yang tidak lagi memenuhi syarat."],
            "commitment": ["Membuka ringkasan data kesejahteraan sosial per desa dan "
                           "menyediakan kanal bagi warga untuk mengusulkan perbaikan data."],
            "solution": ["Data yang dapat dilihat dan dikoreksi warga membuat salah sasaran "
                         "lebih cepat ditemukan; pemerintah daerah memperbarui data secara "
                         "berkala berdasarkan usulan yang masuk."],
            "ogp_values": ["Transparansi: data agregat dipublikasikan. Akuntabilitas: "
                           "usulan perbaikan warga dicatat dan ditanggapi."],
            "alignment": ["Selaras dengan RPJMN 2020-2024 tentang reformasi perlindungan "
                          "sosial dan Satu Data Indonesia."],
            "additional": ["Mendukung SDG 1 (tanpa kemiskinan)."],
        },
        "milestones": [
            {"activity": "Menyusun standar data terbuka kesejahteraan sosial",
             "deliverable": "Pedoman standar data yang ditetapkan", "start": "2023-01-01",
             "end": "2023-06-30", "output": "Pedoman", "actors": "Kemensos, Bappenas, TII"},
            {"activity": "Meluncurkan dasbor data per desa", "deliverable": "Dasbor daring",
             "start": "2023-07-01", "end": "2024-03-31", "output": "Dasbor publik",
             "actors": "Kemensos"},
            {"activity": "Membuka kanal usulan perbaikan data",
             "deliverable": "Laporan tindak lanjut usulan", "start": "2023-10-01",
             "end": "2024-06-30", "output": "Laporan triwulanan", "actors": "Kemensos, pemda"},
        ],
        "contacts": {"name": "Bambang Sutrisno", "title": "Kepala Bidang Data",
                     "department": "Pusdatin Kementerian Sosial",
                     "email": "bambang@example.go.id", "others": "TII; Bappenas"},
    },
    {
        "id": "c2", "number": "2", "group": "antikorupsi", "author": "ayu",
        "leads": ["kemenkumham", "ppatk"],
        "title": "Membuka akses data pemilik manfaat",
        "meta": {"start_date": "2023-01-01", "end_date": "2024-12-31",
                 "lead_agency": "Kementerian Hukum dan HAM",
                 "policy_area": "Antikorupsi", "ogp_values": ["transparency"],
                 "based_on": "ID0127, UK0063"},
        "sections": {
            "lead_agency": ["Kementerian Hukum dan HAM (Ditjen AHU) bersama kementerian dan "
                            "lembaga pemegang data perizinan, pajak dan transaksi keuangan."],
            "problem": ["Perusahaan cangkang dipakai untuk menyembunyikan pemilik sebenarnya "
                        "dari korupsi dan pencucian uang. Data pemilik manfaat sudah dilaporkan "
                        "tetapi tersebar dan tidak dapat diakses publik."],
            "commitment": ["Menghubungkan data pemilik manfaat antarinstansi dan membuka "
                           "sebagian datanya untuk publik, seperti registri terbuka di "
                           "Inggris."],
            "solution": ["Verifikasi silang antarinstansi menutup celah data palsu; akses "
                         "publik memungkinkan jurnalis dan masyarakat sipil memeriksanya."],
            "ogp_values": ["Transparansi atas siapa yang mengendalikan perusahaan."],
            "alignment": ["Bagian dari Strategi Nasional Pencegahan Korupsi (Stranas PK)."],
            "additional": [],
        },
        "milestones": [
            {"activity": "Integrasi data pemilik manfaat antarinstansi",
             "deliverable": "Nota kesepahaman dan API pertukaran data", "start": "2023-03-01",
             "end": "2023-12-31", "output": "Sistem terintegrasi",
             "actors": "Kemenkumham, PPATK, Kemenkeu"},
            {"activity": "Membuka akses publik terbatas", "deliverable": "",
             "start": "2024-01-01", "end": "", "output": "Portal publik",
             "actors": "Kemenkumham"},
        ],
        "contacts": {"name": "", "department": "Ditjen AHU Kemenkumham"},
    },
    {
        "id": "c3", "number": "3", "group": "ruang-sipil", "author": "rahmat",
        "leads": ["kemenpppa", "lpsk", "kemenkumham"],
        "title": "Penguatan mekanisme pemulihan korban kekerasan seksual",
        "meta": {"start_date": "2023-01-01", "end_date": "2024-12-31",
                 "lead_agency": "KemenPPPA, LPSK, Kemenkumham",
                 "policy_area": "Akses keadilan", "ogp_values": ["participation"],
                 "based_on": "ID0148"},
        "sections": {
            "lead_agency": ["KemenPPPA, LPSK dan Kemenkumham, dengan INFID dan IJRS dari "
                            "masyarakat sipil serta Bappenas."],
            "problem": ["Korban kekerasan seksual sering tidak memperoleh restitusi dan "
                        "layanan pemulihan karena prosedurnya rumit dan tidak terkoordinasi."],
            "commitment": ["Menyusun aturan pelaksana pemulihan korban dan mekanisme dana "
                           "bantuan korban, disusun bersama organisasi pendamping korban."],
            "solution": [],
            "ogp_values": ["Partisipasi: pendamping korban ikut merumuskan aturan dan "
                           "memantau pelaksanaannya."],
            "alignment": [],
            "additional": [],
        },
        "milestones": [
            {"activity": "Konsultasi rancangan aturan dana bantuan korban",
             "deliverable": "Catatan konsultasi publik", "start": "2023-02-01",
             "end": "2023-05-31", "output": "Rancangan aturan", "actors": "KemenPPPA, IJRS"},
        ],
        "contacts": {"department": "Deputi Perlindungan Hak Perempuan, KemenPPPA"},
    },
    {
        "id": "c4", "number": "4", "group": "ruang-sipil", "author": "nadia",
        "leads": ["kominfo"],
        "title": "Pedoman aksesibilitas digital bagi penyandang disabilitas",
        "meta": {"start_date": "2023-01-01", "end_date": "2024-06-30",
                 "lead_agency": "Kementerian Komunikasi dan Informatika",
                 "policy_area": "Layanan publik digital", "ogp_values": [],
                 "based_on": "ID0141"},
        "sections": {
            "lead_agency": ["Kominfo, didukung Suarise."],
            "problem": ["Banyak situs dan aplikasi pemerintah tidak dapat dipakai pembaca "
                        "layar, sehingga penyandang disabilitas tidak bisa mengakses layanan "
                        "publik secara mandiri."],
            "commitment": ["Menetapkan pedoman aksesibilitas digital untuk layanan pemerintah "
                           "dan menguji situs prioritas bersama pengguna disabilitas."],
            "solution": ["Pedoman dan uji bersama pengguna menjadikan perbaikan terukur."],
            "ogp_values": [],
            "alignment": ["Mendukung Sistem Pemerintahan Berbasis Elektronik (SPBE)."],
            "additional": [],
        },
        "milestones": [],
        "contacts": {"name": "Nadia Putri", "others": "Suarise"},
    },
)
