from .aligned_mtl import AlignedMTLBalancer
from .base import BaseBalancer
from .cagrad import CAGradBalancer
from .conflict_free_inverse import ConFIGBalancer
from .cr_mogm import CRMOGMBalancer
from .db_mtl import DBMTLBalancer
from .double_sampling import DoubleSamplingBalancer
from .dualproj import DualProjBalancer
from .dwa import DWABalancer
from .excess_mtl import ExcessMTLBalancer
from .fairgrad import FairGradBalancer
from .famo import FAMOBalancer
from .gls import GLSBalancer
from .graddrop import GradDropBalancer
from .gradient_balancer import GradientBalancer
from .gradnorm import GradNormBalancer
from .gradvac import GradVacBalancer
from .imtl import IMTLBalancer
from .imtl_g import IMTLGBalancer
from .imtl_l import IMTLLBalancer
from .jacobian_balancer import JacobianBalancer
from .mgda import MGDABalancer
from .moco import MoCoBalancer
from .modo import MoDoBalancer
from .nash_mtl import NashMTLBalancer
from .pcgrad import PCGradBalancer
from .rlw import RLWBalancer
from .sdmgrad import SDMGradBalancer
from .static import StaticBalancer
from .stch import STCHBalancer
from .uncertainty import UncertaintyBalancer
from .upgrad import UPGradBalancer

__all__ = ['AlignedMTLBalancer', 'BaseBalancer', 'CAGradBalancer', 'ConFIGBalancer', 'CRMOGMBalancer', 'DBMTLBalancer', 'DoubleSamplingBalancer',
           'DualProjBalancer', 'DWABalancer', 'ExcessMTLBalancer', 'FairGradBalancer', 'FAMOBalancer', 'GLSBalancer',
           'GradDropBalancer', 'GradientBalancer', 'GradNormBalancer', 'GradVacBalancer', 'IMTLBalancer',
           'IMTLGBalancer', 'IMTLLBalancer', 'JacobianBalancer', 'MGDABalancer', 'MoCoBalancer', 'MoDoBalancer', 'NashMTLBalancer',
           'PCGradBalancer', 'RLWBalancer', 'SDMGradBalancer', 'StaticBalancer', 'STCHBalancer', 'UncertaintyBalancer', 'UPGradBalancer']
