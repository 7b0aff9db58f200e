import numpy as np

from kam_analytics.potential import peer_potential, share_of_wallet, size_classes


def test_the_potential_is_the_90th_percentile_of_comparable_accounts():
    # ten machine builders of one size: revenue 0, 10, ..., 90 in group 0
    revenue = np.array([[10.0 * i, 0.0] for i in range(10)])
    industry = np.array(["Maschinenbau"] * 10)
    sizes = np.zeros(10, dtype=np.int64)

    result = peer_potential(revenue, industry, sizes)

    assert np.allclose(result.potential[0, 0], np.quantile(revenue[:, 0], 0.9))  # 81
    assert result.potential[9, 0] == 90  # never below what the account buys
    assert result.potential[0, 1] == 0 and result.peers[0] == 10
    assert result.basis[0] == "industry_and_size"


def test_with_too_few_peers_it_widens_to_the_industry_then_the_size_then_gives_up():
    revenue = np.ones((8, 1))
    industry = np.array(["Chemie"] * 3 + ["Bau"] * 3 + ["Handel", "Textil"])
    sizes = np.array([0, 0, 1, 2, 2, 2, 3, 3])

    result = peer_potential(revenue, industry, sizes, min_peers=3)

    assert result.basis.tolist() == [
        "industry",
        "industry",
        "industry",
        "industry_and_size",
        "industry_and_size",
        "industry_and_size",
        "none",
        "none",
    ]
    assert np.isnan(result.potential[6, 0]) and result.peers[6] == 0


def test_share_of_wallet_and_size_classes():
    assert share_of_wallet(np.array([25.0, 5.0]), np.array([100.0, np.nan])).tolist()[0] == 0.25
    assert size_classes(np.array([0.0, 49_999, 50_000, 6e6])).tolist() == [0, 0, 1, 3]
