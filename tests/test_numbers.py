"""The numbers module: figures, years, ranges and thousands as the report prints them (no store needed)."""

from assistant.numbers import (
    HAS_FIGURE,
    REPORTED_YEAR,
    edition_years,
    figure_key,
    figures_in,
    figures_of,
    find_numbers,
    normalize_number,
    number_values,
    year_terms,
)


def test_thousands_and_decimal_commas_normalise_to_one_spelling():
    assert normalize_number("25 863") == "25863"
    assert normalize_number("14,2") == "14.2"
    assert number_values("25 863") == {"25863"}
    assert number_values("117,7") == {"117.7"}
    assert number_values("1,500") == {"1500", "1.5"}  # English thousands or a decimal: both readings


def test_a_figure_is_not_a_year_and_table_values_count():
    assert HAS_FIGURE.search("było ich 18.")
    assert not HAS_FIGURE.search("w 2024 roku")
    assert HAS_FIGURE.search("Inwestycje publiczne w B+R 0.1374.")
    assert figures_of("Średnio w klastrze jest 117,7 członków (wzrost z 102,6 w edycji 2022).") == {"117,7", "102,6"}


def test_years_as_reported_not_as_a_baseline():
    text = "Łączna liczba członków wyniosła 4942 (wzrost o 17,4% w porównaniu do edycji 2022)."
    assert year_terms(text) == set()
    assert year_terms("Według stanu na 31 grudnia 2025 r. było ich 18.") == {"2025"}
    assert edition_years("Benchmarking klastrów w Polsce – edycja 2024") == {"2024"}
    assert REPORTED_YEAR.search("Faza V (2023-2026)")
    assert not REPORTED_YEAR.search("2000 podmiotów")


def test_numbers_a_reader_checks_skip_markers_and_enumerations():
    assert find_numbers("Było ich 18 [1].\n2. Rekomendacja") == ["18"]  # "2." opens a list line
    assert find_numbers("dnia 31.12.2025") == ["31", "12", "2025"]


def test_printed_figures_keep_ranges_and_drop_names():
    text = "premia płacowa 11–13,5% w regionach RIS3, Przemysł 4.0 i druk 3D; w 2024 r. 1 642 staże"
    assert figures_in(text) == ["11–13,5", "1 642"]
    assert figure_key("11–13,5") == figure_key("11-13,5")
