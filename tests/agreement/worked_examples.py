"""The published worked examples of ../shared/agreement/reference_cases.json, transcribed so they also
run from a clean clone (test_agreement_transcription_matches_shared checks the copy), and how to
compute the figure each one names with coder.agreement."""

from __future__ import annotations

from coder import agreement
from tests.conftest import SHARED

REFERENCE_FILE = SHARED / "agreement" / "reference_cases.json"

COHEN_1960_TABLE = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]  # Cohen (1960) p. 45: κ = .492
COHEN_1960 = [[i + 1, j + 1] for i, row in enumerate(COHEN_1960_TABLE) for j, n in enumerate(row) for _ in range(n)]
FLEISS_WIKIPEDIA = [  # Wikipedia "Fleiss' kappa": 10 subjects × 14 raters, κ = .210
    [5] * 14,
    [2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5],
    [3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5],
    [2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4],
    [1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5],
    [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2],
    [1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4],
    [1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5],
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4],
    [2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5],
]
K2011_CANONICAL = [  # Krippendorff (2011): 12 units × 4 observers; nominal .743, interval .849
    [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, 3, None, None],
]
K2004_BINARY = [[1, 0], [1, 1], [0, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]]  # ATLAS.ti: 60 %
FIG_12_11 = [  # Krippendorff (2019) Fig. 12.11, L = 60, 0-based half-open; adjacent sections stay apart
    ("Alex", 0, 7, "1"), ("Alex", 7, 13, "2"), ("Alex", 30, 32, "5"), ("Alex", 32, 37, "6"), ("Alex", 37, 44, "6"),
    ("Alex", 44, 60, "7"), ("Paul", 0, 7, "1"), ("Paul", 7, 13, "3"), ("Paul", 13, 21, "5"), ("Paul", 32, 44, "6"),
    ("Suzan", 0, 7, "1"), ("Suzan", 7, 13, "4"), ("Suzan", 13, 21, "5"), ("Suzan", 32, 37, "6"), ("Suzan", 37, 41, "6"),
    ("Suzan", 41, 44, "6"),
]
NVIVO_HELP = [("userA", 0, 150, "node1"), ("userB", 100, 200, "node1")]  # 1,000 characters: 85 %

TRANSCRIBED = [  # name, metric, level, data, expected, tolerance, exact
    ("bar_u_alpha_k2019_fig12_11", "bar_u_alpha", "binary", (60, FIG_12_11), 0.413, 0.001, 0.4135992304),
    ("cohen_kappa_cohen1960", "cohen_kappa", "nominal", COHEN_1960, 0.492, 0.0005, 0.4915254237),
    ("fleiss_kappa_wikipedia", "fleiss_kappa", "nominal", FLEISS_WIKIPEDIA, 0.21, 0.0005, 0.2099307044),
    ("kalpha_k2011_canonical_interval", "krippendorff_alpha", "interval", K2011_CANONICAL, 0.849, 0.0005, 0.8491071429),
    ("kalpha_k2011_canonical_nominal", "krippendorff_alpha", "nominal", K2011_CANONICAL, 0.743, 0.0005, 0.7434210526),
    ("nvivo_percent_agreement_help_example", "nvivo_percent_agreement", "binary", (1000, NVIVO_HELP), 0.85, 1e-9, 0.85),
    ("percent_agreement_k2004_binary_2coders", "percent_agreement", "nominal", K2004_BINARY, 0.6, 1e-9, 0.6),
    ("u_alpha_k2019_fig12_11", "u_alpha", "nominal", (60, FIG_12_11), 0.51, 0.0005, 0.5099819078),
]


def compute(metric: str, level: str, data: object) -> float | None:
    """The figure a reference case names, computed by coder.agreement."""
    if metric in ("u_alpha", "bar_u_alpha"):
        length, sections = data
        family = agreement.unitized(length, sections)
        return (family.u_alpha if metric == "u_alpha" else family.binary_u_alpha).value
    if metric == "nvivo_percent_agreement":
        length, sections = data
        spans = [[(s[1], s[2]) for s in sections if s[0] == coder] for coder in dict.fromkeys(s[0] for s in sections)]
        return agreement.nvivo_comparison(length, *spans)[0].value
    functions = {"cohen_kappa": agreement.cohen_kappa, "fleiss_kappa": agreement.fleiss_kappa,
                 "percent_agreement": agreement.percent_agreement,
                 "krippendorff_alpha": lambda d: agreement.krippendorff_alpha(d, level)}
    return functions[metric](data).value


def shared_case_data(case: dict) -> object:
    data = case["data"]
    if data["kind"] == "spans":
        return data["continuum_length"], [(s["coder"], s["start"], s["end"], s["code"]) for s in data["spans"]]
    return data["units_x_coders"]


# Published values beyond ../shared (facts transcribed, with their sources), for the levels of α and weighted κ.
K2011_LEVELS = {  # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 12 × 4 example (K2011_CANONICAL)
    "nominal": (0.743, 0.7434210526), "ordinal": (0.815, 0.8153875038), "interval": (0.849, 0.8491071429),
    "ratio": (0.797, 0.7974027747),
}
COHEN_1968_WEIGHTS = [  # Cohen (1968) on the Cohen (1960) table (COHEN_1960): disagreement weights v_ij, κ_w printed
    ([[0, 1, 3], [1, 0, 6], [3, 6, 0]], 0.348, 0.3478260870),  # also in R psych's cohen.kappa examples ("Cohen reports .348")
    ([[0, 1, 4], [1, 0, 6], [2, 2, 0]], 0.353, 0.3533834586),  # asymmetric weights, rows = first rater ("kw = .353")
]
