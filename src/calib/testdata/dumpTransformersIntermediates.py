"""Writes transformers-prompt2.safetensors: intermediates of transformers' forward pass on the tiny fixture.

Run on a CUDA machine with transformers 5.17 and torch 2.11 (the versions that produced the fixture's
reference_logits.safetensors):

    python3 dumpTransformersIntermediates.py FIXTURE_DIR OUT.safetensors

It loads the fixture as the reference was made (float32, eager attention, MXFP4 dequantized, default
grouped_mm experts), runs reference prompt 2, checks that the logits are bit-identical to the reference,
and keeps, for layers 0-3: the residual after attention (`mid`), the post-attention RMSNorm output
(`mlp_in`), the routing (`topk_idx`, `topk_weights`) and the layer output (`hidden_out`); for layer 0
the q/k projections before and after RoPE, and the cos/sin table.
"""
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, Mxfp4Config
import transformers.models.gpt_oss.modeling_gpt_oss as modeling

fixture, out_path = sys.argv[1], sys.argv[2]
PROMPT, LAYERS = 2, 4
ref = load_file(f"{fixture}/reference_logits.safetensors")
model = AutoModelForCausalLM.from_pretrained(
    fixture, dtype=torch.float32, attn_implementation="eager",
    quantization_config=Mxfp4Config(dequantize=True), device_map="cuda").eval()

captured = {}


def keep(name):
    def hook(module, inputs, output):
        captured[name + ".in"] = inputs[0].detach()
        captured[name + ".out"] = output.detach()
    return hook


for i, layer in enumerate(model.model.layers[:LAYERS]):
    layer.post_attention_layernorm.register_forward_hook(keep(f"post_norm.{i}"))
    layer.register_forward_hook(lambda m, a, o, i=i: captured.__setitem__(f"hidden_out.{i}", o[0] if isinstance(o, tuple) else o))
    layer.mlp.router.register_forward_hook(lambda m, a, o, i=i: captured.update({f"topk_weights.{i}": o[1], f"topk_idx.{i}": o[2]}))
attention = model.model.layers[0].self_attn
attention.q_proj.register_forward_hook(keep("q.0"))
attention.k_proj.register_forward_hook(keep("k.0"))
model.model.rotary_emb.register_forward_hook(lambda m, a, o: captured.__setitem__("cos_sin", o))

ids = ref[f"ids.{PROMPT}"].long()[None].cuda()
with torch.no_grad():
    logits = model(input_ids=ids).logits[0].float().cpu()
assert torch.equal(logits, ref[f"logits.{PROMPT}"]), "logits differ from the reference: not the reference's setup"

n, head_dim = ids.shape[1], attention.head_dim
cos, sin = captured["cos_sin"]
out = {"cos": cos[0], "sin": sin[0]}
for name in ["q", "k"]:
    x = captured[f"{name}.0.out"]
    rotated = modeling._apply_rotary_emb(x.view(1, n, -1, head_dim).transpose(1, 2), cos.unsqueeze(1), sin.unsqueeze(1))
    out[f"{name}.0"] = x[0]
    out[f"{name}_rope.0"] = rotated[0].transpose(0, 1).reshape(n, -1)
for i in range(LAYERS):
    out[f"mid.{i}"] = captured[f"post_norm.{i}.in"][0]
    out[f"mlp_in.{i}"] = captured[f"post_norm.{i}.out"][0]
    out[f"topk_idx.{i}"] = captured[f"topk_idx.{i}"].to(torch.int32)
    out[f"topk_weights.{i}"] = captured[f"topk_weights.{i}"]
    out[f"hidden_out.{i}"] = captured[f"hidden_out.{i}"][0]
metadata = {"source": f"transformers {__import__('transformers').__version__}, torch {torch.__version__}, "
                      f"{torch.cuda.get_device_name()}; GptOssForCausalLM float32, eager attention, "
                      "Mxfp4Config(dequantize=True), grouped_mm experts; fixture tiny-gpt-oss, reference prompt 2 "
                      f"({n} tokens); logits bit-identical to reference_logits.safetensors"}
save_file({k: v.detach().float().cpu().contiguous() if v.dtype != torch.int32 else v.cpu().contiguous()
           for k, v in out.items()}, out_path, metadata=metadata)
print("wrote", out_path, len(out), "tensors")
