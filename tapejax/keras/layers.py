"""``tf.keras.layers``: Keras 3.15's layers, built on tapejax ops (the tape records every layer op)."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.keras.keras_tensor import KerasTensor as KerasTensor
from tapejax._src.keras.layers import deserialize as deserialize
from tapejax._src.keras.layers import serialize as serialize
from tapejax._src.keras.layers.activation_layers import ELU as ELU
from tapejax._src.keras.layers.activation_layers import LeakyReLU as LeakyReLU
from tapejax._src.keras.layers.activation_layers import PReLU as PReLU
from tapejax._src.keras.layers.activation_layers import ReLU as ReLU
from tapejax._src.keras.layers.activation_layers import Softmax as Softmax
from tapejax._src.keras.layers.activation_layers import ThresholdedReLU as ThresholdedReLU
from tapejax._src.keras.layers.attention import AdditiveAttention as AdditiveAttention
from tapejax._src.keras.layers.attention import Attention as Attention
from tapejax._src.keras.layers.attention import GroupQueryAttention as GroupQueryAttention
from tapejax._src.keras.layers.attention import MultiHeadAttention as MultiHeadAttention
from tapejax._src.keras.layers.convolutional import Conv1D as Conv1D
from tapejax._src.keras.layers.convolutional import Conv1DTranspose as Conv1DTranspose
from tapejax._src.keras.layers.convolutional import Conv2D as Conv2D
from tapejax._src.keras.layers.convolutional import Conv2DTranspose as Conv2DTranspose
from tapejax._src.keras.layers.convolutional import Conv3D as Conv3D
from tapejax._src.keras.layers.convolutional import Conv3DTranspose as Conv3DTranspose
from tapejax._src.keras.layers.convolutional import DepthwiseConv1D as DepthwiseConv1D
from tapejax._src.keras.layers.convolutional import DepthwiseConv2D as DepthwiseConv2D
from tapejax._src.keras.layers.convolutional import SeparableConv1D as SeparableConv1D
from tapejax._src.keras.layers.convolutional import SeparableConv2D as SeparableConv2D
from tapejax._src.keras.layers.core import Activation as Activation
from tapejax._src.keras.layers.core import Embedding as Embedding
from tapejax._src.keras.layers.core import Flatten as Flatten
from tapejax._src.keras.layers.core import Identity as Identity
from tapejax._src.keras.layers.core import Lambda as Lambda
from tapejax._src.keras.layers.core import Masking as Masking
from tapejax._src.keras.layers.core import Permute as Permute
from tapejax._src.keras.layers.core import RepeatVector as RepeatVector
from tapejax._src.keras.layers.core import Reshape as Reshape
from tapejax._src.keras.layers.core import ReversibleEmbedding as ReversibleEmbedding
from tapejax._src.keras.layers.dense import Dense as Dense
from tapejax._src.keras.layers.einsum_dense import EinsumDense as EinsumDense
from tapejax._src.keras.layers.image_affine import RandomPerspective as RandomPerspective
from tapejax._src.keras.layers.image_affine import RandomRotation as RandomRotation
from tapejax._src.keras.layers.image_affine import RandomShear as RandomShear
from tapejax._src.keras.layers.image_affine import RandomTranslation as RandomTranslation
from tapejax._src.keras.layers.image_affine import RandomZoom as RandomZoom
from tapejax._src.keras.layers.image_augment import RandAugment as RandAugment
from tapejax._src.keras.layers.image_color import AutoContrast as AutoContrast
from tapejax._src.keras.layers.image_color import Equalization as Equalization
from tapejax._src.keras.layers.image_color import RandomBrightness as RandomBrightness
from tapejax._src.keras.layers.image_color import RandomColorDegeneration as RandomColorDegeneration
from tapejax._src.keras.layers.image_color import RandomColorJitter as RandomColorJitter
from tapejax._src.keras.layers.image_color import RandomContrast as RandomContrast
from tapejax._src.keras.layers.image_color import RandomGaussianBlur as RandomGaussianBlur
from tapejax._src.keras.layers.image_color import RandomGrayscale as RandomGrayscale
from tapejax._src.keras.layers.image_color import RandomHue as RandomHue
from tapejax._src.keras.layers.image_color import RandomInvert as RandomInvert
from tapejax._src.keras.layers.image_color import RandomPosterization as RandomPosterization
from tapejax._src.keras.layers.image_color import RandomSaturation as RandomSaturation
from tapejax._src.keras.layers.image_color import RandomSharpness as RandomSharpness
from tapejax._src.keras.layers.image_color import Solarization as Solarization
from tapejax._src.keras.layers.image_preprocessing import CenterCrop as CenterCrop
from tapejax._src.keras.layers.image_preprocessing import RandomCrop as RandomCrop
from tapejax._src.keras.layers.image_preprocessing import RandomFlip as RandomFlip
from tapejax._src.keras.layers.image_preprocessing import Resizing as Resizing
from tapejax._src.keras.layers.input_layer import Input as Input
from tapejax._src.keras.layers.input_layer import InputLayer as InputLayer
from tapejax._src.keras.layers.input_spec import InputSpec as InputSpec
from tapejax._src.keras.layers.layer import Layer as Layer
from tapejax._src.keras.layers.merging import Add as Add
from tapejax._src.keras.layers.merging import Average as Average
from tapejax._src.keras.layers.merging import Concatenate as Concatenate
from tapejax._src.keras.layers.merging import Dot as Dot
from tapejax._src.keras.layers.merging import Maximum as Maximum
from tapejax._src.keras.layers.merging import Minimum as Minimum
from tapejax._src.keras.layers.merging import Multiply as Multiply
from tapejax._src.keras.layers.merging import Subtract as Subtract
from tapejax._src.keras.layers.merging import add as add
from tapejax._src.keras.layers.merging import average as average
from tapejax._src.keras.layers.merging import concatenate as concatenate
from tapejax._src.keras.layers.merging import dot as dot
from tapejax._src.keras.layers.merging import maximum as maximum
from tapejax._src.keras.layers.merging import minimum as minimum
from tapejax._src.keras.layers.merging import multiply as multiply
from tapejax._src.keras.layers.merging import subtract as subtract
from tapejax._src.keras.layers.normalization import BatchNormalization as BatchNormalization
from tapejax._src.keras.layers.normalization import GroupNormalization as GroupNormalization
from tapejax._src.keras.layers.normalization import LayerNormalization as LayerNormalization
from tapejax._src.keras.layers.normalization import RMSNormalization as RMSNormalization
from tapejax._src.keras.layers.normalization import SpectralNormalization as SpectralNormalization
from tapejax._src.keras.layers.normalization import UnitNormalization as UnitNormalization
from tapejax._src.keras.layers.pooling import AdaptiveAveragePooling1D as AdaptiveAveragePooling1D
from tapejax._src.keras.layers.pooling import AdaptiveAveragePooling2D as AdaptiveAveragePooling2D
from tapejax._src.keras.layers.pooling import AdaptiveAveragePooling3D as AdaptiveAveragePooling3D
from tapejax._src.keras.layers.pooling import AdaptiveMaxPooling1D as AdaptiveMaxPooling1D
from tapejax._src.keras.layers.pooling import AdaptiveMaxPooling2D as AdaptiveMaxPooling2D
from tapejax._src.keras.layers.pooling import AdaptiveMaxPooling3D as AdaptiveMaxPooling3D
from tapejax._src.keras.layers.pooling import AveragePooling1D as AveragePooling1D
from tapejax._src.keras.layers.pooling import AveragePooling2D as AveragePooling2D
from tapejax._src.keras.layers.pooling import AveragePooling3D as AveragePooling3D
from tapejax._src.keras.layers.pooling import GlobalAveragePooling1D as GlobalAveragePooling1D
from tapejax._src.keras.layers.pooling import GlobalAveragePooling2D as GlobalAveragePooling2D
from tapejax._src.keras.layers.pooling import GlobalAveragePooling3D as GlobalAveragePooling3D
from tapejax._src.keras.layers.pooling import GlobalMaxPooling1D as GlobalMaxPooling1D
from tapejax._src.keras.layers.pooling import GlobalMaxPooling2D as GlobalMaxPooling2D
from tapejax._src.keras.layers.pooling import GlobalMaxPooling3D as GlobalMaxPooling3D
from tapejax._src.keras.layers.pooling import MaxPooling1D as MaxPooling1D
from tapejax._src.keras.layers.pooling import MaxPooling2D as MaxPooling2D
from tapejax._src.keras.layers.pooling import MaxPooling3D as MaxPooling3D
from tapejax._src.keras.layers.preprocessing import CategoryEncoding as CategoryEncoding
from tapejax._src.keras.layers.preprocessing import Discretization as Discretization
from tapejax._src.keras.layers.preprocessing import Normalization as Normalization
from tapejax._src.keras.layers.preprocessing import Pipeline as Pipeline
from tapejax._src.keras.layers.preprocessing import Rescaling as Rescaling
from tapejax._src.keras.layers.regularization import ActivityRegularization as ActivityRegularization
from tapejax._src.keras.layers.regularization import AlphaDropout as AlphaDropout
from tapejax._src.keras.layers.regularization import Dropout as Dropout
from tapejax._src.keras.layers.regularization import GaussianDropout as GaussianDropout
from tapejax._src.keras.layers.regularization import GaussianNoise as GaussianNoise
from tapejax._src.keras.layers.regularization import SpatialDropout1D as SpatialDropout1D
from tapejax._src.keras.layers.regularization import SpatialDropout2D as SpatialDropout2D
from tapejax._src.keras.layers.regularization import SpatialDropout3D as SpatialDropout3D
from tapejax._src.keras.layers.reshaping import Cropping1D as Cropping1D
from tapejax._src.keras.layers.reshaping import Cropping2D as Cropping2D
from tapejax._src.keras.layers.reshaping import Cropping3D as Cropping3D
from tapejax._src.keras.layers.reshaping import UpSampling1D as UpSampling1D
from tapejax._src.keras.layers.reshaping import UpSampling2D as UpSampling2D
from tapejax._src.keras.layers.reshaping import UpSampling3D as UpSampling3D
from tapejax._src.keras.layers.reshaping import ZeroPadding1D as ZeroPadding1D
from tapejax._src.keras.layers.reshaping import ZeroPadding2D as ZeroPadding2D
from tapejax._src.keras.layers.reshaping import ZeroPadding3D as ZeroPadding3D
from tapejax._src.keras.layers.rnn import GRU as GRU
from tapejax._src.keras.layers.rnn import LSTM as LSTM
from tapejax._src.keras.layers.rnn import RNN as RNN
from tapejax._src.keras.layers.rnn import Bidirectional as Bidirectional
from tapejax._src.keras.layers.rnn import GRUCell as GRUCell
from tapejax._src.keras.layers.rnn import LSTMCell as LSTMCell
from tapejax._src.keras.layers.rnn import SimpleRNN as SimpleRNN
from tapejax._src.keras.layers.rnn import SimpleRNNCell as SimpleRNNCell
from tapejax._src.keras.layers.rnn import StackedRNNCells as StackedRNNCells
from tapejax._src.keras.layers.rnn import TimeDistributed as TimeDistributed
from tapejax._src.keras.layers.rnn import Wrapper as Wrapper

AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
Convolution1D = Conv1D
Convolution1DTranspose = Conv1DTranspose
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.keras.layers", name)
