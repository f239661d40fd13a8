import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _isolated_data_dir(tmp_path_factory):
    """Generated data sets go to a temporary cache shared by the session, never to ./data."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PHYSYM_DATA", str(tmp_path_factory.mktemp("physym-data")))
    mp.setenv("WANDB_MODE", "disabled")
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _cpu_default_device():
    """Every test starts on torch's own default device, the CPU (None: no device mode)."""
    torch.set_default_device(None)
    yield
