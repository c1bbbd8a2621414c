// The part of TensorBoard's event-file schema that carries scalars. Field numbers are those of the
// wire format TensorFlow, TensorBoard, tensorboardX and PyTorch's SummaryWriter all write; fields we
// never read (graphs, images, audio, histograms, run metadata) are left out and skipped by the decoder.
// Kept as text so the same schema loads under tsx, in the Electron bundle and in workers.
export const TENSORBOARD_PROTO = `syntax = "proto3";
package creditlab.tb;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}

message Summary {
  repeated Value value = 1;

  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
      TensorProto tensor = 8;
    }
    SummaryMetadata metadata = 9;
  }
}

message SummaryMetadata {
  PluginData plugin_data = 1;

  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
}

message TensorProto {
  // 1 float32, 2 float64, 3 int32, 9 int64, 19 float16 (TensorFlow's DataType numbering)
  int32 dtype = 1;
  TensorShape tensor_shape = 2;
  bytes tensor_content = 4;
  repeated float float_val = 5;
  repeated double double_val = 6;
  repeated int32 int_val = 7;
  repeated int64 int64_val = 10;
  repeated int32 half_val = 13;
}

message TensorShape {
  repeated Dim dim = 2;

  message Dim {
    int64 size = 1;
  }
}
`;
