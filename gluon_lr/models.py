"""Networks by name from the Gluon model zoo."""
import mxnet as mx

__all__ = ["build_model"]


def build_model(name="resnet18_v2", classes=10):
    """Return an uninitialized model-zoo network with ``classes`` outputs.

    Parameters
    ----------
    name : str, default 'resnet18_v2'
        Any name ``mx.gluon.model_zoo.vision.get_model`` knows, such as
        ``'resnet18_v2'`` (the tutorial's pre-activation ResNet-18).
    classes : int, default 10

    Raises
    ------
    ValueError
        For a name the model zoo does not know.
    """
    try:
        return mx.gluon.model_zoo.vision.get_model(name, classes=classes)
    except ValueError:
        raise ValueError("unknown model {!r}: use a Gluon model-zoo name such as "
                         "'resnet18_v2', 'resnet50_v1' or 'mobilenetv2_1.0'".format(name)) \
            from None
