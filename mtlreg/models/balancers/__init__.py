from .aligned_mtl import AlignedMTLBalancer
from .base import BaseBalancer
from .conflict_free_inverse import ConFIGBalancer
from .dualproj import DualProjBalancer
from .dwa import DWABalancer
from .gradient_balancer import GradientBalancer
from .imtl_g import IMTLGBalancer
from .jacobian_balancer import JacobianBalancer
from .mgda import MGDABalancer
from .pcgrad import PCGradBalancer
from .rlw import RLWBalancer
from .static import StaticBalancer
from .uncertainty import UncertaintyBalancer
from .upgrad import UPGradBalancer

__all__ = ['AlignedMTLBalancer', 'BaseBalancer', 'ConFIGBalancer', 'DualProjBalancer', 'DWABalancer',
           'GradientBalancer', 'IMTLGBalancer', 'JacobianBalancer', 'MGDABalancer', 'PCGradBalancer', 'RLWBalancer',
           'StaticBalancer', 'UncertaintyBalancer', 'UPGradBalancer']
