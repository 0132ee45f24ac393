"""``tf.nn``: activations, softmax, cross-entropies, convolutions, pooling, normalization, ``dropout``."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.candidate_sampling_ops import fixed_unigram_candidate_sampler as fixed_unigram_candidate_sampler
from tapejax._src.ops.candidate_sampling_ops import (
    learned_unigram_candidate_sampler as learned_unigram_candidate_sampler,
)
from tapejax._src.ops.candidate_sampling_ops import nce_loss as nce_loss
from tapejax._src.ops.candidate_sampling_ops import sampled_softmax_loss as sampled_softmax_loss
from tapejax._src.ops.conv_extra_ops import with_space_to_batch as with_space_to_batch
from tapejax._src.ops.conv_ops import atrous_conv2d as atrous_conv2d
from tapejax._src.ops.conv_ops import atrous_conv2d_transpose as atrous_conv2d_transpose
from tapejax._src.ops.conv_ops import conv1d as conv1d
from tapejax._src.ops.conv_ops import conv1d_transpose as conv1d_transpose
from tapejax._src.ops.conv_ops import conv2d as conv2d
from tapejax._src.ops.conv_ops import conv2d_transpose as conv2d_transpose
from tapejax._src.ops.conv_ops import conv3d as conv3d
from tapejax._src.ops.conv_ops import conv3d_transpose as conv3d_transpose
from tapejax._src.ops.conv_ops import conv_transpose as conv_transpose
from tapejax._src.ops.conv_ops import convolution as convolution
from tapejax._src.ops.conv_ops import depthwise_conv2d as depthwise_conv2d
from tapejax._src.ops.conv_ops import depthwise_conv2d_backprop_filter as depthwise_conv2d_backprop_filter
from tapejax._src.ops.conv_ops import depthwise_conv2d_backprop_input as depthwise_conv2d_backprop_input
from tapejax._src.ops.conv_ops import dilation2d as dilation2d
from tapejax._src.ops.conv_ops import erosion2d as erosion2d
from tapejax._src.ops.conv_ops import separable_conv2d as separable_conv2d
from tapejax._src.ops.fractional_pool_ops import fractional_avg_pool as fractional_avg_pool
from tapejax._src.ops.fractional_pool_ops import fractional_max_pool as fractional_max_pool
from tapejax._src.ops.isotonic_ops import isotonic_regression as isotonic_regression
from tapejax._src.ops.math_ops import sigmoid as sigmoid
from tapejax._src.ops.math_ops import softsign as softsign
from tapejax._src.ops.math_ops import tanh as tanh
from tapejax._src.ops.misc_ops import space_to_batch as space_to_batch
from tapejax._src.ops.nn_ops import all_candidate_sampler as all_candidate_sampler
from tapejax._src.ops.nn_ops import batch_norm_with_global_normalization as batch_norm_with_global_normalization
from tapejax._src.ops.nn_ops import batch_normalization as batch_normalization
from tapejax._src.ops.nn_ops import bias_add as bias_add
from tapejax._src.ops.nn_ops import collapse_repeated as collapse_repeated
from tapejax._src.ops.nn_ops import compute_accidental_hits as compute_accidental_hits
from tapejax._src.ops.nn_ops import compute_average_loss as compute_average_loss
from tapejax._src.ops.nn_ops import crelu as crelu
from tapejax._src.ops.nn_ops import ctc_loss as ctc_loss
from tapejax._src.ops.nn_ops import ctc_unique_labels as ctc_unique_labels
from tapejax._src.ops.nn_ops import depth_to_space as depth_to_space
from tapejax._src.ops.nn_ops import dropout as dropout
from tapejax._src.ops.nn_ops import elu as elu
from tapejax._src.ops.nn_ops import embedding_lookup as embedding_lookup
from tapejax._src.ops.nn_ops import gelu as gelu
from tapejax._src.ops.nn_ops import l2_loss as l2_loss
from tapejax._src.ops.nn_ops import leaky_relu as leaky_relu
from tapejax._src.ops.nn_ops import local_response_normalization as local_response_normalization
from tapejax._src.ops.nn_ops import log_poisson_loss as log_poisson_loss
from tapejax._src.ops.nn_ops import log_softmax as log_softmax
from tapejax._src.ops.nn_ops import lrn as lrn
from tapejax._src.ops.nn_ops import moments as moments
from tapejax._src.ops.nn_ops import normalize_moments as normalize_moments
from tapejax._src.ops.nn_ops import relu as relu
from tapejax._src.ops.nn_ops import relu6 as relu6
from tapejax._src.ops.nn_ops import scale_regularization_loss as scale_regularization_loss
from tapejax._src.ops.nn_ops import selu as selu
from tapejax._src.ops.nn_ops import sigmoid_cross_entropy_with_logits as sigmoid_cross_entropy_with_logits
from tapejax._src.ops.nn_ops import silu as silu
from tapejax._src.ops.nn_ops import softmax as softmax
from tapejax._src.ops.nn_ops import softmax_cross_entropy_with_logits as softmax_cross_entropy_with_logits
from tapejax._src.ops.nn_ops import softplus as softplus
from tapejax._src.ops.nn_ops import space_to_depth as space_to_depth
from tapejax._src.ops.nn_ops import sparse_softmax_cross_entropy_with_logits as sparse_softmax_cross_entropy_with_logits
from tapejax._src.ops.nn_ops import sufficient_statistics as sufficient_statistics
from tapejax._src.ops.nn_ops import swish as swish
from tapejax._src.ops.nn_ops import weighted_cross_entropy_with_logits as weighted_cross_entropy_with_logits
from tapejax._src.ops.nn_ops import weighted_moments as weighted_moments
from tapejax._src.ops.pool_ops import avg_pool as avg_pool
from tapejax._src.ops.pool_ops import avg_pool1d as avg_pool1d
from tapejax._src.ops.pool_ops import avg_pool2d as avg_pool2d
from tapejax._src.ops.pool_ops import avg_pool3d as avg_pool3d
from tapejax._src.ops.pool_ops import max_pool as max_pool
from tapejax._src.ops.pool_ops import max_pool1d as max_pool1d
from tapejax._src.ops.pool_ops import max_pool2d as max_pool2d
from tapejax._src.ops.pool_ops import max_pool3d as max_pool3d
from tapejax._src.ops.pool_ops import max_pool_with_argmax as max_pool_with_argmax
from tapejax._src.ops.pool_ops import pool as pool
from tapejax._src.ops.segment_ops import approx_max_k as approx_max_k
from tapejax._src.ops.segment_ops import approx_min_k as approx_min_k
from tapejax._src.ops.segment_ops import in_top_k as in_top_k
from tapejax._src.ops.segment_ops import l2_normalize as l2_normalize
from tapejax._src.ops.segment_ops import top_k as top_k
from tapejax._src.ops.segment_ops import zero_fraction as zero_fraction


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.nn", name)
