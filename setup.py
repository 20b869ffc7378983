"""Metadata lives in pyproject.toml; this file only adds one install step.

`pip install -e .` (the way the service is installed, see README) also fetches the browser
assets the app serves itself: pdf.js from the npm registry, pinned in package-lock.json,
into node_modules/. Without npm, or offline, the install still succeeds and the PDF reader
falls back to its text mode until `npm ci` (or `bin/setup`) is run.
"""
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PDFJS = ROOT / "node_modules" / "pdfjs-dist" / "package.json"


class BuildWithBrowserAssets(build_py):
    def run(self):
        super().run()
        install_browser_assets()


def install_browser_assets() -> None:
    npm = shutil.which("npm")
    if PDFJS.exists() or npm is None or not (ROOT / "package-lock.json").exists():
        if npm is None and not PDFJS.exists():
            print("npm not found: pdf.js not installed; run bin/setup for the PDF reader")
        return
    try:
        subprocess.run([npm, "ci", "--omit=optional", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=ROOT, check=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"npm ci failed ({error}); the PDF reader uses its text mode until it succeeds")


setup(cmdclass={"build_py": BuildWithBrowserAssets})
