"""Installation script for gluon-lr."""
from setuptools import find_packages, setup

with open("README.md", encoding="utf-8") as readme:
    LONG_DESCRIPTION = readme.read()

setup(
    name="gluon-lr",
    version="0.1.0",
    description="Learning-rate finder and schedules for Apache MXNet Gluon 2.0",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    packages=find_packages(include=["gluon_lr", "gluon_lr.*"]),
    # PEP 561: the package ships its type hints.
    package_data={"gluon_lr": ["py.typed"]},
    python_requires=">=3.8",
    install_requires=[
        # Only 2.0.0b1 ships the Gluon 2.0 API (mx.np, to_device, mx.device).
        "mxnet==2.0.0b1",
        # mxnet 2.0.0b1 fails to import with numpy>=1.24 (np.bool, np.PZERO).
        "numpy>=1.23,<1.24",
        # An unpinned matplotlib pulls numpy 2.
        "matplotlib<3.10",
        # JPEG decoding of the CIFAR-10 RecordIO (also a matplotlib dependency).
        "pillow",
        "tqdm",
    ],
    extras_require={
        # AutoLRS: the Gaussian-process search (scikit-learn, which needs SciPy).
        "auto": ["scipy>=1.10", "scikit-learn>=1.3"],
        # TensorBoard files (gluon_lr.tensorboard): tensorboardX writes them without TensorFlow.
        "tensorboard": ["tensorboardX>=2.6"],
        # Running the notebooks: a Jupyter kernel, a headless executor, and AutoLRS's needs.
        "notebooks": ["nbclient", "nbformat", "ipykernel", "scipy>=1.10", "scikit-learn>=1.3"],
        # mypy and hypothesis pinned, so a new release cannot change what passes.
        "test": ["pytest", "scipy>=1.10", "scikit-learn>=1.3", "nbclient", "nbformat",
                 "ipykernel", "mypy==2.4.1", "hypothesis==6.170.27", "tensorboardX>=2.6"],
    },
    entry_points={"console_scripts": ["gluon-lr=gluon_lr.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: Apache Software License",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
