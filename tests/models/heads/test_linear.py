"""Linear heads: flattened features, dropout in training only; regression and identity heads predict their output."""
import pytest
import torch

from mtlreg.models.heads import IdentityHead, LinearClassificationHead, LinearRegressionHead


def test_flattening_head_sees_every_position():
    head = LinearClassificationHead(in_channels=2, num_classes=3, flatten_size=2).eval()
    assert head.fc.in_features == 8
    x = torch.randn(5, 2, 2, 2)
    assert torch.allclose(head(x), x.flatten(1) @ head.fc.weight.T + head.fc.bias)
    with pytest.raises(ValueError, match=r'flatten_size=\(2, 2\) but the features are \(3, 3\)'):
        head(torch.randn(1, 2, 3, 3))


def test_dropout_only_in_training_and_regression_heads_predict_their_output():
    head = LinearClassificationHead(in_channels=4, num_classes=2, dropout=0.5)
    x = torch.ones(64, 4)
    head.eval()
    assert torch.equal(head(x), head(x))
    head.train()
    torch.manual_seed(0)
    assert not torch.equal(head(x), head(x))
    reg = LinearRegressionHead(in_channels=4, num_classes=1)
    out = torch.tensor([[0.25], [-1.5]])
    assert torch.equal(reg.predict(out), out)
    ident = IdentityHead(in_channels=1)
    assert torch.equal(ident(out), out) and torch.equal(ident.predict(out), out)
    with pytest.raises(ValueError, match='IdentityHead: expected 1 features'):
        ident(torch.zeros(2, 3))
