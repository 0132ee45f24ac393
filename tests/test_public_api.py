"""Pins the public names: the op namespaces hold exactly these (a change must be deliberate), and the
top-level ``tf`` holds at least the core ops, dtypes and namespaces. Names follow TF 2's namespaces
(``tf.math.log`` exists, ``tf.log`` does not)."""

from __future__ import annotations

import types

import pytest

import tapejax as tf

NAMESPACES = {
    "math": """abs add add_n argmax argmin ceil conj cos cosh cumsum divide equal exp expm1 floor floordiv floormod
        greater greater_equal imag is_finite is_nan less less_equal log log1p logical_and logical_not logical_or
        logical_xor maximum minimum mod multiply negative not_equal pow real reduce_all reduce_any reduce_logsumexp
        reduce_max reduce_mean reduce_min reduce_prod reduce_std reduce_sum reduce_variance round rsqrt sigmoid sign sin
        sinh softplus sqrt square squared_difference subtract tan tanh truediv
        acos acosh angle asin asinh atan atan2 atanh divide_no_nan is_inf log_sigmoid multiply_no_nan nextafter
        reciprocal reciprocal_no_nan rint scalar_mul softsign log_softmax softmax
        bessel_i0 bessel_i0e bessel_i1 bessel_i1e betainc digamma erf erfc erfcinv erfinv igamma igammac lbeta lgamma
        ndtri polygamma xdivy xlog1py xlogy zeta
        accumulate_n approx_max_k approx_min_k bincount confusion_matrix count_nonzero cumprod cumulative_logsumexp
        in_top_k invert_permutation is_non_decreasing is_strictly_increasing l2_normalize polyval reduce_euclidean_norm
        segment_max segment_mean segment_min segment_prod segment_sum top_k unsorted_segment_max unsorted_segment_mean
        unsorted_segment_min unsorted_segment_prod unsorted_segment_sqrt_n unsorted_segment_sum zero_fraction""",
    "nn": """bias_add dropout elu gelu l2_loss leaky_relu log_softmax moments relu relu6 selu sigmoid
        sigmoid_cross_entropy_with_logits softmax softmax_cross_entropy_with_logits softplus
        sparse_softmax_cross_entropy_with_logits tanh
        atrous_conv2d atrous_conv2d_transpose conv1d conv1d_transpose conv2d conv2d_transpose conv3d conv3d_transpose
        conv_transpose convolution depthwise_conv2d separable_conv2d
        avg_pool avg_pool1d avg_pool2d avg_pool3d max_pool max_pool1d max_pool2d max_pool3d max_pool_with_argmax pool
        batch_normalization compute_average_loss crelu depth_to_space embedding_lookup local_response_normalization
        log_poisson_loss lrn normalize_moments scale_regularization_loss silu space_to_depth sufficient_statistics swish
        weighted_cross_entropy_with_logits weighted_moments
        in_top_k l2_normalize softsign top_k zero_fraction ctc_loss batch_norm_with_global_normalization dilation2d
        erosion2d depthwise_conv2d_backprop_filter depthwise_conv2d_backprop_input approx_max_k approx_min_k
        collapse_repeated ctc_unique_labels space_to_batch all_candidate_sampler compute_accidental_hits
        fixed_unigram_candidate_sampler learned_unigram_candidate_sampler nce_loss sampled_softmax_loss with_space_to_batch
        isotonic_regression fractional_avg_pool fractional_max_pool""",
    "linalg": """adjoint band_part banded_triangular_solve cholesky cholesky_solve cross det diag diag_part eig eigh
        eigvals eigvalsh einsum expm eye global_norm inv l2_normalize logdet lstsq lu lu_matrix_inverse
        lu_reconstruct lu_solve matmul matrix_rank matrix_transpose matvec norm normalize pinv qr set_diag slogdet
        solve svd tensor_diag tensor_diag_part tensordot trace transpose triangular_solve tridiagonal_matmul
        tridiagonal_solve eigh_tridiagonal sqrtm logm""",
    "random": """Algorithm Generator categorical create_rng_state fold_in gamma get_global_generator normal poisson
        set_global_generator set_seed shuffle split stateless_binomial stateless_categorical stateless_gamma
        stateless_normal stateless_parameterized_truncated_normal stateless_poisson stateless_truncated_normal
        stateless_uniform truncated_normal uniform experimental all_candidate_sampler fixed_unigram_candidate_sampler
        learned_unigram_candidate_sampler log_uniform_candidate_sampler uniform_candidate_sampler""",
    "signal": """dct fft fft2d fft3d fftshift frame hamming_window hann_window idct ifft ifft2d ifft3d ifftshift
        inverse_mdct inverse_stft inverse_stft_window_fn irfft irfft2d irfft3d kaiser_bessel_derived_window
        kaiser_window linear_to_mel_weight_matrix mdct mfccs_from_log_mel_spectrograms overlap_and_add rfft rfft2d
        rfft3d stft vorbis_window fftnd ifftnd rfftnd irfftnd""",
    "image": """ResizeMethod adjust_brightness adjust_contrast adjust_gamma adjust_hue adjust_saturation central_crop
        convert_image_dtype crop_and_resize crop_to_bounding_box draw_bounding_boxes extract_patches flip_left_right flip_up_down grayscale_to_rgb hsv_to_rgb
        image_gradients non_max_suppression non_max_suppression_padded non_max_suppression_with_scores
        pad_to_bounding_box per_image_standardization psnr resize resize_with_crop_or_pad random_brightness random_contrast random_crop random_flip_left_right random_flip_up_down random_hue
        random_saturation resize_with_pad rgb_to_grayscale rgb_to_hsv rgb_to_yiq rgb_to_yuv rot90 sobel_edges ssim
        ssim_multiscale stateless_random_brightness stateless_random_contrast stateless_random_crop
        stateless_random_flip_left_right stateless_random_flip_up_down stateless_random_hue stateless_random_saturation
        total_variation transpose yiq_to_rgb yuv_to_rgb combined_non_max_suppression non_max_suppression_overlaps
        sample_distorted_bounding_box stateless_sample_distorted_bounding_box extract_glimpse
        adjust_jpeg_quality decode_and_crop_jpeg decode_bmp decode_gif decode_image decode_jpeg decode_png decode_webp encode_jpeg encode_png extract_jpeg_shape is_jpeg random_jpeg_quality stateless_random_jpeg_quality""",
    "nest": "assert_same_structure flatten is_nested map_structure pack_sequence_as",
    "types": "experimental",
    "autograph": "experimental set_verbosity to_code to_graph trace",
    "summary": """SummaryWriter audio create_file_writer create_noop_writer experimental flush histogram image
        record_if scalar should_record_summaries text trace_export trace_off trace_on write""",
    "data": """AUTOTUNE Dataset DatasetSpec INFINITE_CARDINALITY Iterator NumpyIterator Options ThreadingOptions
        UNKNOWN_CARDINALITY experimental""",
    "config": """LogicalDevice LogicalDeviceConfiguration PhysicalDevice experimental experimental_connect_to_cluster
        experimental_connect_to_host experimental_functions_run_eagerly experimental_run_functions_eagerly
        functions_run_eagerly get_logical_device_configuration get_soft_device_placement get_visible_devices
        list_logical_devices list_physical_devices run_functions_eagerly set_logical_device_configuration
        set_soft_device_placement set_visible_devices""",
    "distribute": """DistributedDataset DistributedIterator InputContext MirroredStrategy MultiWorkerMirroredStrategy
        OneDeviceStrategy PerReplica ReduceOp ReplicaContext Strategy StrategyExtended TPUStrategy
        get_cross_replica_context get_replica_context get_strategy has_strategy in_cross_replica_context shard""",
    "debugging": """Assert assert_all_finite assert_equal assert_greater assert_greater_equal assert_integer assert_less
        assert_less_equal assert_near assert_negative assert_non_negative assert_non_positive assert_none_equal
        assert_positive assert_proper_iterable assert_rank assert_rank_at_least assert_rank_in assert_same_float_dtype
        assert_scalar assert_shapes assert_type check_numerics disable_traceback_filtering enable_traceback_filtering
        explain_gradient get_log_device_placement is_numeric_tensor is_traceback_filtering_enabled
        set_log_device_placement enable_check_numerics disable_check_numerics""",
    "errors": """OpError CancelledError UnknownError InvalidArgumentError DeadlineExceededError NotFoundError
        AlreadyExistsError PermissionDeniedError ResourceExhaustedError FailedPreconditionError AbortedError
        OutOfRangeError UnimplementedError InternalError UnavailableError DataLossError UnauthenticatedError
        NotImplementedInTapejaxError OperatorNotAllowedInGraphError OK CANCELLED UNKNOWN INVALID_ARGUMENT
        DEADLINE_EXCEEDED NOT_FOUND ALREADY_EXISTS
        PERMISSION_DENIED RESOURCE_EXHAUSTED FAILED_PRECONDITION ABORTED OUT_OF_RANGE UNIMPLEMENTED INTERNAL
        UNAVAILABLE DATA_LOSS UNAUTHENTICATED""",
    "dtypes": """DType as_dtype cast bfloat16 bool complex128 complex64 double float16 float32 float64 half int16 int32
        int64 int8 uint16 uint32 uint64 uint8 complex saturate_cast""",
}

TOP_LEVEL = """
    Tensor TensorShape Variable DType as_dtype newaxis math nn linalg random errors dtypes nest signal image train
    float16 bfloat16 float32 float64 half double int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool complex64
    complex128
    constant convert_to_tensor zeros ones zeros_like ones_like fill eye range linspace identity cast one_hot
    add subtract multiply divide truediv realdiv pow negative abs sign square sqrt exp sin cos tan tanh sinh cosh
    sigmoid maximum minimum add_n round floor clip_by_value clip_by_norm clip_by_global_norm reduce_sum reduce_mean
    reduce_max reduce_min reduce_prod reduce_logsumexp reduce_all reduce_any argmax argmin cumsum equal not_equal less
    less_equal greater greater_equal logical_and logical_or logical_not where
    matmul tensordot einsum norm transpose
    reshape concat stack unstack split squeeze expand_dims tile gather gather_nd boolean_mask shape size rank
    broadcast_to pad reverse slice sort argsort
    print
    acos acosh asin asinh atan atan2 atanh scalar_mul truncatediv truncatemod complex saturate_cast bitcast
    debugging Assert assert_equal assert_greater assert_less assert_rank config
    scatter_nd tensor_scatter_nd_update tensor_scatter_nd_add tensor_scatter_nd_sub tensor_scatter_nd_min
    tensor_scatter_nd_max meshgrid repeat roll searchsorted sequence_mask reverse_sequence strided_slice unique
    unique_with_counts unravel_index dynamic_partition dynamic_stitch shape_n identity_n ensure_shape
    broadcast_static_shape broadcast_dynamic_shape parallel_stack histogram_fixed_width histogram_fixed_width_bins
    is_tensor executing_eagerly inside_function get_static_value is_symbolic_tensor device name_scope
    get_current_name_scope init_scope control_dependencies no_op group tuple gradients hessians
    map_fn scan foldl foldr vectorized_map switch_case case
    TensorSpec TypeSpec type_spec_from_value zeros_initializer ones_initializer constant_initializer
    random_normal_initializer random_uniform_initializer VariableAggregation VariableSynchronization AggregationMethod
    recompute_grad grad_pass_through numpy_function py_function
    space_to_batch space_to_batch_nd batch_to_space required_space_to_batch_paddings timestamp DeviceSpec
    fftnd ifftnd rfftnd irfftnd register_tensor_conversion_function conv conv2d_backprop_filter_v2
    conv2d_backprop_input_v2 extract_volume_patches matrix_square_root approx_top_k random_index_shuffle
    guarantee_const CriticalSection TensorArray nondifferentiable_batch_function check_pinned
"""


def _public(module: types.ModuleType) -> set[str]:
    return {n for n in vars(module) if not n.startswith("_")}


@pytest.mark.parametrize("name", sorted(NAMESPACES))
def test_namespace_holds_exactly_the_pinned_names(name: str) -> None:
    module = getattr(tf, name)
    assert isinstance(module, types.ModuleType) and module.__name__ == f"tapejax.{name}"
    want = set(NAMESPACES[name].split())
    got = _public(module)
    assert got == want, f"added: {sorted(got - want)}, missing: {sorted(want - got)}"


def test_top_level_holds_the_core_names() -> None:
    missing = sorted(set(TOP_LEVEL.split()) - _public(tf))
    assert not missing, f"missing from tapejax: {missing}"


def test_public_modules_only_re_export_objects_defined_in_src() -> None:
    for name in NAMESPACES:
        module = getattr(tf, name)
        for attr in _public(module):
            obj = getattr(module, attr)
            origin = getattr(obj, "__module__", None)
            if isinstance(obj, (int, type(None))) or origin is None:
                continue  # error codes, dtype objects
            assert origin.startswith("tapejax._src."), f"tf.{name}.{attr} is defined in {origin}"


def test_same_object_under_every_name() -> None:
    assert tf.math.add is tf.add and tf.linalg.matmul is tf.matmul and tf.nn.sigmoid is tf.sigmoid
    assert tf.linalg.norm is tf.norm and tf.linalg.eye is tf.eye and tf.math.reduce_sum is tf.reduce_sum
    assert tf.linalg.transpose is tf.linalg.matrix_transpose and tf.math.floormod is not None
    assert tf.dtypes.float32 is tf.float32 and tf.dtypes.as_dtype is tf.as_dtype


def test_newaxis_is_none() -> None:
    assert tf.newaxis is None


def test_tf1_only_names_are_absent_and_point_to_tf2() -> None:
    for name in ("log", "mod", "floordiv", "is_nan", "rsqrt"):
        assert not hasattr(tf, name)
        with pytest.raises(AttributeError, match=r"Did you mean tf\.math\."):
            getattr(tf, name)


def test_public_functions_have_docstrings() -> None:
    for name in NAMESPACES:
        module = getattr(tf, name)
        for attr in _public(module):
            obj = getattr(module, attr)
            if callable(obj) and not isinstance(obj, type):
                assert obj.__doc__, f"tf.{name}.{attr} has no docstring"
