"""Package layout only (the metadata is in pyproject.toml): the verification cases ship inside the package as
``verification.cases``, from the repository's top-level ``cases/`` folder, so no top-level ``cases`` package
lands in site-packages. (pyproject.toml cannot combine package discovery with a remapped subpackage.)"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["verification", "verification.*"]), "verification.cases"],
    package_dir={"verification.cases": "cases"},
)
